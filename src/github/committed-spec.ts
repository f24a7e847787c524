// Reads .contractor.yaml from a commit in the cache, refusing a blob too big to be a spec.
import { MAX_SPEC_BYTES, SPEC_FILE, specTooLarge } from '../spec/spec-file.js';
import { runGit } from './source-fetch.js';

export async function readCommittedSpec(gitDir: string, rev: string): Promise<string | undefined> {
  const object = `${rev}:${SPEC_FILE}`;
  let type: string;
  try {
    type = (await runGit(['--git-dir', gitDir, 'cat-file', '-t', object])).trim();
  } catch {
    return undefined;
  }
  if (type !== 'blob') return undefined;
  const size = Number((await runGit(['--git-dir', gitDir, 'cat-file', '-s', object])).trim());
  if (size > MAX_SPEC_BYTES) throw specTooLarge(SPEC_FILE, size);
  return runGit(['--git-dir', gitDir, 'cat-file', 'blob', object]);
}
