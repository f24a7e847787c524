// What the unpacker and its reuse of unchanged files must agree on about an archive's entries.
import { normalize } from 'node:path';

/** node-tar's names for a regular file's entry. */
export const FILE_TYPES: readonly string[] = ['File', 'OldFile', 'ContiguousFile'];

/**
 * An entry's path as the extractor writes it: normalised, without a leading ./ or trailing /
 * (`./a/`, `a/` and `a` are the same entry).
 */
export function entryPath(path: string): string {
  return normalize(path)
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '');
}
