// A path a tool printed in the build log, as a path of the commit: or nothing, when it is not one.
import { posix } from 'node:path';

/** Where every driver unpacks the commit and runs the phases (the worker contract). */
export const WORKSPACE_SOURCE = '/workspace/src';

const MAX_PATH = 1024;

/**
 * The log is the build's: a path is taken as text, normalised, and kept only when it stays inside
 * the source (relative, or absolute under WORKSPACE_SOURCE). Nothing is opened by it: the caller
 * keeps it only if the commit's tree lists it, so `..` through a symlink can at worst name
 * another file of the same commit.
 */
export function commitPathOf(printed: string, root = WORKSPACE_SOURCE): string | undefined {
  if (!printed || printed.length > MAX_PATH || /[\x00-\x1f\x7f\\]/.test(printed)) return undefined;
  const path = printed.startsWith('/') ? absoluteUnder(printed, root) : posix.normalize(printed);
  if (path === undefined || path === '.' || path === '..' || path.startsWith('../'))
    return undefined;
  return path.startsWith('/') ? undefined : path;
}

function absoluteUnder(printed: string, root: string): string | undefined {
  const path = posix.normalize(printed);
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined;
}
