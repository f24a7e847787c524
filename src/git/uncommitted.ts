// Whether the working tree differs from HEAD: a run of HEAD builds the commit, not those edits.
import { gitOutput } from './git-output.js';

/** True when git status lists anything (edits, staged changes, unignored new files); false if git cannot say. */
export async function hasUncommittedChanges(cwd: string): Promise<boolean> {
  const out = await gitOutput(cwd, ['status', '--porcelain', '-z']).catch(() => '');
  return out.length > 0;
}

export const UNCOMMITTED_NOTE =
  'note: uncommitted changes are not included (this built the commit); git contractor run --worktree builds them';
