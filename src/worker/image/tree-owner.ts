// NoRoot: the tree mmdebstrap makes as a user belongs to the user's subordinate ids, which only a
// user namespace of those ids (mmdebstrap --unshare-helper) may read in full, measure or remove.
import { execFile, spawn } from 'node:child_process';
import { chmod, open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { toolEnv } from '../tool-path.js';

const run = promisify(execFile);

const asRoot = (): boolean => process.getuid?.() === 0;

/** cmd as the owner of the tree: itself as root, else inside mmdebstrap's namespace. */
function asTreeOwner(cmd: string, args: string[]): [string, string[]] {
  return asRoot() ? [cmd, args] : ['mmdebstrap', ['--unshare-helper', cmd, ...args]];
}

export async function treeBytes(root: string): Promise<number> {
  const [cmd, args] = asTreeOwner('du', ['-s', '-B1', '--apparent-size', root]);
  const { stdout } = await run(cmd, args, { env: toolEnv() });
  return Number(stdout.split(/\s/)[0]);
}

/**
 * mkfs.ext4 -d, writing a file we opened: the namespace's root may not enter our directories, and
 * is not our uid, so the file is writable by others for as long as mkfs runs (its directory is not).
 */
export async function makeExt4From(root: string, image: string, bytes: number): Promise<void> {
  const file = await open(image, 'w', 0o600);
  try {
    if (!asRoot()) await file.chmod(0o666);
    const [cmd, args] = asTreeOwner('mkfs.ext4', [
      ...['-q', '-F', '-L', 'contractor', '-d', root, '/dev/fd/3', `${bytes / 1024}k`],
    ]);
    await new Promise<void>((resolve, reject) => {
      const mkfs = spawn(cmd, args, {
        stdio: ['ignore', 'ignore', 'pipe', file.fd],
        env: toolEnv(),
      });
      let err = '';
      mkfs.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
      mkfs.on('error', reject);
      mkfs.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`mkfs.ext4 failed (exit ${code}): ${err.trim()}`)),
      );
    });
  } finally {
    await file.close();
    await chmod(image, 0o644);
  }
}

/** Empties the tree; the caller removes what is left, which is its own. */
export async function removeTree(root: string): Promise<void> {
  if (asRoot()) return;
  const [cmd, args] = asTreeOwner('rm', ['-rf', root]);
  // It cannot unlink root itself from our directory, so it exits 1 having emptied it.
  await run(cmd, args, { env: toolEnv() }).catch(() => undefined);
}
