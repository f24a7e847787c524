// Builds what /workspace starts with: the saved workspace (less its old src/) plus the source under src/.
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawn } from 'node:child_process';
import { x as extractTar } from 'tar';

export async function stageWorkspace(
  stagingDir: string,
  source: () => Readable,
  savedWorkspace?: string,
): Promise<void> {
  await mkdir(join(stagingDir, 'src'), { recursive: true });
  if (savedWorkspace && (await isDir(savedWorkspace))) {
    for (const name of await readdir(savedWorkspace)) {
      if (name === 'src') continue;
      await cp(join(savedWorkspace, name), join(stagingDir, name), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
  }
  // Symlinks in the source stay symlinks: they are resolved inside the worker, never on the host.
  await pipeline(
    source(),
    extractTar({ cwd: join(stagingDir, 'src'), preservePaths: false, preserveOwner: false }),
  );
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** A tar stream of the staging directory, for the driver to unpack inside the worker. */
export function packStaging(stagingDir: string): Readable {
  const tar = spawn('tar', ['-c', '-f', '-', '-C', stagingDir, '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return tar.stdout;
}
