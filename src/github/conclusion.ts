// A check run conclusion that blocks a merge whenever the build did not pass.
import type { JobResult } from '../manager/job.js';

export type Conclusion = 'success' | 'failure' | 'timed_out' | 'cancelled';

/** Never neutral or skipped: branch protection counts those as passing. */
export function conclusionFor(r: JobResult): Conclusion {
  if (r.status === 'passed') return 'success';
  if (r.status === 'limit' && r.limit === 'wall') return 'timed_out';
  return 'failure';
}
