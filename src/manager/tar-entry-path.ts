// One name for one path, however an archive spells it: `./a/`, `a/` and `a` are the same entry.
import { normalize } from 'node:path';

/** An entry's path as the extractor writes it: normalised, without a leading ./ or trailing /. */
export function entryPath(path: string): string {
  return normalize(path)
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '');
}
