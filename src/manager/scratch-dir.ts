// A job's scratch directories under the temporary directory are named for their owner run, so
// the next run removes what a killed one left: its output tar alone can be as big as the job's
// disk limit. Only directories of our own uid whose owner is provably gone are removed; a name
// of any other shape is left alone. The owner proves itself alive by a lock it holds on a file
// in the directory; one made before such locks existed is judged by the pid in its name.
import { randomInt } from 'node:crypto';
import { lstat, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownedPrefix, ownerGone } from '../worker/owner-tag.js';
import { lockFree, lockHolder, OWNER_LOCK } from './owner-lock.js';

const PREFIX = 'contractor-';
/** Where a directory is made and locked before it takes its name: no sweeper looks there. */
const MAKING = '.contractor-making-';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const randomName = (): string =>
  Array.from({ length: 6 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/**
 * A new directory under base, named `contractor-<label>-<owner>-XXXXXX`, holding a lock file
 * this process holds locked while it runs. It is made and locked under another name first and
 * renamed, so no sweeper ever sees it unlocked.
 */
export async function makeScratchDir(label: string, base = tmpdir()): Promise<string> {
  const prefix = ownedPrefix(`${PREFIX}${label}`);
  const making = await mkdtemp(join(base, MAKING));
  const lock = join(making, OWNER_LOCK);
  await writeFile(lock, '', { flag: 'wx' });
  if (!(await lockHolder().lock(lock))) {
    // No bash or flock here: the directory is judged by its name alone, as before locks.
    await rm(making, { recursive: true, force: true });
    return mkdtemp(join(base, prefix));
  }
  for (;;) {
    const dir = join(base, prefix + randomName());
    try {
      await rename(making, dir);
      lockHolder().moved(lock, join(dir, OWNER_LOCK));
      return dir;
    } catch (err) {
      // Taken already (a non-empty directory cannot be renamed over): try another name.
      if (!['EEXIST', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) {
        await rm(making, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/**
 * Whether the directory's owner is gone: its lock is free, or, without a lock file (an older
 * version's directory), its name says so.
 */
async function abandoned(path: string, name: string): Promise<boolean> {
  const lock = await lstat(join(path, OWNER_LOCK)).catch(() => undefined);
  if (!lock) return ownerGone(name);
  // A lock, not a pid: a pid means nothing to a sweeper in another pid namespace.
  return lock.isFile() && lockFree(join(path, OWNER_LOCK));
}

/**
 * Removes the directories under base, named from `prefix` on, left by owners that are gone;
 * returns their paths. By default: our scratch directories in the temporary directory.
 */
export async function sweepScratchDirs(base = tmpdir(), prefix = PREFIX): Promise<string[]> {
  const uid = process.geteuid?.();
  if (uid === undefined) return [];
  let names: string[];
  try {
    names = (await readdir(base)).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(base, name);
    const st = await lstat(path).catch(() => undefined);
    // A symlink or another user's directory under a shared /tmp is not ours to judge.
    if (!st?.isDirectory() || st.uid !== uid || !(await abandoned(path, name))) continue;
    await rm(path, { recursive: true, force: true }).then(
      () => removed.push(path),
      () => undefined,
    );
  }
  return removed;
}
