// Reads .contractor.yaml from a commit in the cache, refusing a blob too big to be a spec.
import { catFileObjects } from '../git/cat-file.js';
import { MAX_SPEC_BYTES, SPEC_FILE, specTooLarge } from '../spec/spec-file.js';

/** One git process: the blob's type and size first, its contents only if it may be a spec. */
export async function readCommittedSpec(gitDir: string, rev: string): Promise<string | undefined> {
  const [object] = await catFileObjects(
    gitDir,
    [`${rev}:${SPEC_FILE}`],
    (o) => o.type === 'blob' && o.size <= MAX_SPEC_BYTES,
  );
  if (object?.type !== 'blob') return undefined;
  if (object.size > MAX_SPEC_BYTES) throw specTooLarge(SPEC_FILE, object.size);
  return object.content?.toString('utf8');
}
