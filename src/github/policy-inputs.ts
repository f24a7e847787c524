// What a job's effective policy is drawn from, known before anything is fetched: part of the dedupe key.
import type { AppJob } from './app-job.js';

/**
 * The repository (by id: a re-registered name is another repository) and the trusted branches whose
 * specs narrow the operator's ceiling. Two jobs on one sha with the same inputs get the same policy;
 * different inputs may not, so neither may stand in for the other.
 */
export function policyInputs(job: Pick<AppJob, 'repoId' | 'defaultBranch' | 'pull'>): string {
  const branches = [...new Set([job.defaultBranch, ...(job.pull ? [job.pull.baseRef] : [])])];
  return JSON.stringify({ repoId: job.repoId, branches });
}
