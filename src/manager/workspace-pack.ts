// A saved workspace as a tar stream: into the worker with the source, or over the wire to a
// remote manager and back. GNU tar, links kept as links; the unpacking side sanitises.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * `dir` as a tar of `./…` entries; an empty archive when it does not exist yet (a first build).
 * Without src/ when asked: a restored workspace takes its src/ from the commit, never the cache.
 */
export function packDirectory(dir: string, o: { withoutSrc?: boolean } = {}): Readable {
  const what = existsSync(dir)
    ? ['-C', dir, ...(o.withoutSrc ? ['--exclude=./src'] : []), '.']
    : ['-T', '/dev/null'];
  const tar = spawn('tar', ['-c', '-f', '-', ...what], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  tar.on('close', (code) => {
    if (code !== 0)
      tar.stdout.destroy(
        new Error(`packing ${dir} failed: ${stderr.trim() || `tar exited ${code}`}`),
      );
  });
  return tar.stdout;
}
