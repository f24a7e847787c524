// A job's scratch directories under the temporary directory are named for their owner run, so
// the next run removes what a killed one left: its output tar alone can be as big as the job's
// disk limit. Only directories of our own uid whose owner is provably gone are removed; a name
// of any other shape is left alone.
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownedPrefix, ownerGone } from '../worker/owner-tag.js';

const PREFIX = 'contractor-';

/** mkdtemp under base, named `contractor-<label>-<owner>-XXXXXX`. */
export function makeScratchDir(label: string, base = tmpdir()): Promise<string> {
  return mkdtemp(join(base, ownedPrefix(`${PREFIX}${label}`)));
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
    names = (await readdir(base)).filter((n) => n.startsWith(prefix) && ownerGone(n));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(base, name);
    const st = await lstat(path).catch(() => undefined);
    // A symlink or another user's directory under a shared /tmp is not ours to judge.
    if (!st?.isDirectory() || st.uid !== uid) continue;
    await rm(path, { recursive: true, force: true }).then(
      () => removed.push(path),
      () => undefined,
    );
  }
  return removed;
}
