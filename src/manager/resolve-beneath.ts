// Where a path in an unpacked tree leads, found as the kernel would find it: component by
// component, every link followed (through other links too), never judged by the link's text.
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** The kernel's limit on links followed in one lookup (MAXSYMLINKS): more is ELOOP. */
export const MAX_LINK_HOPS = 40;

export type Resolution =
  /** `path` is relative to the root ('' is the root); `missing` when a component does not exist. */
  { inside: true; path: string; missing: boolean } | { inside: false; why: string };

/** lstat and readlink answers for one tree that nothing writes to while it is judged. */
export class TreeLookups {
  private readonly stats = new Map<string, Stats | undefined>();
  private readonly targets = new Map<string, string>();

  constructor(readonly root: string) {}

  lstat(rel: string): Stats | undefined {
    if (!this.stats.has(rel))
      this.stats.set(rel, lstatSync(join(this.root, rel), { throwIfNoEntry: false }));
    return this.stats.get(rel);
  }

  readlink(rel: string): string {
    let target = this.targets.get(rel);
    if (target === undefined) this.targets.set(rel, (target = readlinkSync(join(this.root, rel))));
    return target;
  }
}

const parts = (path: string): string[] => path.split('/').filter((p) => p !== '' && p !== '.');

/** A lookup that stopped at a missing name or a non-directory: harmless unless the rest climbs. */
function stopped(at: string[], rest: string[]): Resolution {
  if (rest.includes('..'))
    return { inside: false, why: 'climbs with .. past a name that does not exist' };
  return { inside: true, path: at.join('/'), missing: true };
}

/**
 * Resolves `rel` beneath the root as open(2) would, the last component included: `..` at the root,
 * an absolute target (the host's /, /proc/self/root among them) and more than 40 links leave.
 */
export function resolveBeneath(tree: TreeLookups, rel: string): Resolution {
  const todo = parts(rel).reverse();
  const at: string[] = [];
  let hops = 0;
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    if (name === '..') {
      if (at.length === 0) return { inside: false, why: 'climbs above the workspace' };
      at.pop();
      continue;
    }
    const path = [...at, name].join('/');
    let st: Stats | undefined;
    try {
      st = tree.lstat(path);
    } catch (err) {
      return { inside: false, why: `cannot be looked up (${(err as NodeJS.ErrnoException).code})` };
    }
    if (!st) return stopped([...at, name], todo);
    if (st.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS)
        return { inside: false, why: `goes through more than ${MAX_LINK_HOPS} links (a loop)` };
      const target = tree.readlink(path);
      if (target.startsWith('/')) return { inside: false, why: `reaches the absolute ${target}` };
      todo.push(...parts(target).reverse());
      continue;
    }
    at.push(name);
    if (!st.isDirectory() && todo.length > 0) return stopped(at, todo);
  }
  return { inside: true, path: at.join('/'), missing: false };
}
