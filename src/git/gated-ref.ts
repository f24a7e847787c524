// Which pushed refs the pre-push gate builds: branches, and tags when the user asks for them.
import type { PrePushUpdate } from './pre-push-input.js';

/**
 * Notes (the results themselves), tags and other refs are not code headed for a branch: building
 * them would refuse `git push origin refs/notes/contractor`, which the README recommends.
 */
export function isGatedRef(u: PrePushUpdate, tags: boolean): boolean {
  if (u.remoteRef.startsWith('refs/heads/')) return true;
  return tags && u.remoteRef.startsWith('refs/tags/');
}
