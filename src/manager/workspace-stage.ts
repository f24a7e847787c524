// Builds what /workspace starts with: the saved workspace (less its old src/) plus the source under src/.
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { spawn } from 'node:child_process';
import { packDirectory } from './workspace-pack.js';

/**
 * What the worker unpacks into /workspace. A source that comes under src/ already is never
 * unpacked and packed again on the host: it is the input as it is, or follows the saved workspace
 * (less its src/) as a second archive in the same stream. Every driver unpacks with tar's
 * --ignore-zeros, which reads on past the first archive's end. Staging a saved workspace by
 * copying it took 8 s for 30,000 files here.
 */
export async function workspaceInput(
  stagingDir: string,
  source: { source: () => Readable; sourceUnderSrc?: () => Readable },
  savedWorkspace?: string,
): Promise<() => Readable> {
  const saved = savedWorkspace !== undefined && (await isDir(savedWorkspace));
  const underSrc = source.sourceUnderSrc;
  if (underSrc && !saved) return underSrc;
  if (underSrc && savedWorkspace !== undefined)
    return () =>
      concatenated([() => packDirectory(savedWorkspace, { withoutSrc: true }), underSrc]);
  await stageWorkspace(stagingDir, source.source, savedWorkspace);
  return () => packDirectory(stagingDir);
}

/** One stream of the parts, each opened when the one before it has ended; an error ends it. */
function concatenated(parts: (() => Readable)[]): Readable {
  const out = new PassThrough();
  void (async () => {
    for (const open of parts) await pipeline(open(), out, { end: false });
    out.end();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}

async function stageWorkspace(
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
  // Symlinks in the source stay symlinks, absolute targets included: they resolve inside the worker.
  await untar(source(), join(stagingDir, 'src'));
}

/**
 * The source tar comes from git archive or our own tar of a directory, never from the build, so GNU
 * tar may unpack it; it still refuses member names that are absolute or hold "..".
 */
function untar(stream: Readable, dir: string): Promise<void> {
  const tar = spawn(
    'tar',
    ['-x', '-f', '-', '-C', dir, '--no-same-owner', '--delay-directory-restore'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    tar.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`unpacking the source failed: ${stderr.trim()}`)),
    ),
  );
  // tar stops reading at the archive's end marker and may exit before the stream ends (record
  // padding, or an end that arrives a moment later): its exit status decides, the rest is drained.
  tar.stdin.on('error', () => undefined);
  stream.on('error', () => tar.kill());
  stream.pipe(tar.stdin);
  const unpacked = exited.then(
    () => void stream.resume(),
    (err: unknown) => {
      stream.destroy();
      throw err;
    },
  );
  return Promise.all([unpacked, finished(stream)]).then(() => undefined);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
