// A signature means the build passed: only a passed run that was not --audit is ever signed.
import type { JobResult } from './job.js';

/** Failed, violating, limited and errored runs have no attestation; an --audit run passed only by ignoring violations. */
export function signable(result: Pick<JobResult, 'status' | 'artifacts'>, audit: boolean): boolean {
  return result.status === 'passed' && !audit && result.artifacts.length > 0;
}
