// The source of `contractor build SPEC`: a snapshot of a plain directory, tarred once at the start.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ContractorError } from '../errors.js';

/** GNU tar exits 1 when a file changed while it was read: the snapshot is still whole. */
export function archiveDirectory(dir: string, exclude: string[]): () => Readable {
  return () => {
    const args = [
      '-c',
      '-f',
      '-',
      '-C',
      dir,
      '--exclude=./.git',
      ...exclude.map((e) => `--exclude=./${e}`),
      '.',
    ];
    const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    tar.on('close', (code) => {
      if (code !== 0 && code !== 1)
        tar.stdout.destroy(
          new ContractorError('INFRASTRUCTURE', `tar of ${dir} failed: ${stderr.trim()}`),
        );
    });
    return tar.stdout;
  };
}
