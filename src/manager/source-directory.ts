// The source of `contractor build SPEC`: a snapshot of a plain directory, tarred once at the start.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ContractorError } from '../errors.js';

/**
 * A tar of the directory, every entry under `under/` if given. GNU tar exits 1 when a file changed
 * while it was read: the snapshot is still whole.
 */
export function archiveDirectory(dir: string, exclude: string[], under?: string): () => Readable {
  // "./x" becomes "under/x"; the S flag leaves symlink targets as they are (hard link names do move).
  const rename = under ? [`--transform=s,^\\.,${under},S`] : [];
  return () => {
    const args = [
      '-c',
      '-f',
      '-',
      '-C',
      dir,
      '--exclude=./.git',
      ...exclude.map((e) => `--exclude=./${e}`),
      ...rename,
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
