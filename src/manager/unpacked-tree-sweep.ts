// The last pass over an unpacked tree before the host uses it: no special bit survives, and no
// symlink whose resolution, as the kernel would follow it, leaves the tree.
import { chmodSync, lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Violation } from '../net/violation.js';
import { turnEvery } from './event-loop-turns.js';
import { resolveBeneath, TreeLookups } from './resolve-beneath.js';

/**
 * FilesystemIsolation: clears setuid, setgid and sticky bits, and removes every symlink that
 * leads out of `root` (each one reported, kind `output`). Sound because nothing else writes to
 * the tree while it is judged or afterwards: it was unpacked on the host from a tar, the only
 * thing that crosses from the worker, into a directory no worker, build or client can reach.
 */
export async function sweepUnpackedTree(root: string): Promise<Violation[]> {
  const links: string[] = [];
  await clearSpecialBits(root, '', links, turnEvery());
  if (links.length === 0) return [];
  const tree = new TreeLookups(root);
  // All are judged before any is removed; a link through a leaving one leaves too, so order is moot.
  const leaving = links.flatMap((rel) => {
    const r = resolveBeneath(tree, rel);
    return r.inside ? [] : [{ rel, target: tree.readlink(rel), why: r.why }];
  });
  for (const { rel } of leaving) unlinkSync(join(root, rel));
  return leaving.map(({ rel, target, why }) => ({
    kind: 'output',
    phase: 'build',
    detail: `${rel}: symlink to ${target} leaves the workspace (it ${why}); dropped`,
  }));
}

/** One lstat an entry: the links are gathered on the way, at no extra cost. */
async function clearSpecialBits(
  root: string,
  dir: string,
  links: string[],
  turn: ReturnType<typeof turnEvery>,
): Promise<void> {
  for (const name of readdirSync(join(root, dir))) {
    await turn();
    const rel = dir ? `${dir}/${name}` : name;
    const path = join(root, rel);
    const st = lstatSync(path);
    if (st.isSymbolicLink()) {
      links.push(rel);
      continue;
    }
    if (st.mode & 0o7000) chmodSync(path, st.mode & 0o777);
    if (st.isDirectory()) await clearSpecialBits(root, rel, links, turn);
  }
}
