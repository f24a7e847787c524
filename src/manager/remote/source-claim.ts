// The client names the tree it sent; the manager signs only a tree it computed itself, and none
// that contradicts the client's claim.
import type { SourceTree } from './archive-tree.js';
import type { ObjectFormat } from './git-tree.js';

/** A 64-digit tree id is of a sha256 repository; anything else is hashed as git's default, sha1. */
export function objectFormatOf(claimedTree: string | undefined): ObjectFormat {
  return claimedTree?.length === 64 ? 'sha256' : 'sha1';
}

/** Why the result goes unsigned, or undefined when the received tree is the one claimed (or none was). */
export function treeMismatch(
  claimed: { tree?: string; commit?: string },
  received: SourceTree,
): string | undefined {
  if (!claimed.tree || !('gitTree' in received) || received.gitTree === claimed.tree)
    return undefined;
  const what = claimed.commit
    ? `commit ${claimed.commit}, tree ${claimed.tree}`
    : `tree ${claimed.tree}`;
  return (
    `not signed: the source this manager received is git tree ${received.gitTree}, not the ${what} ` +
    'the client named; an archive changed by .gitattributes (export-ignore, export-subst, eol) or a ' +
    'filter differs from its commit, so run it locally or without those attributes to have it signed'
  );
}
