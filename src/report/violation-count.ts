// How many violations a run had: a job keeps the first 1000 and counts the rest (kept-records.ts).
import type { JobResult } from '../manager/job.js';

export function violationCount(r: Pick<JobResult, 'violations' | 'omitted'>): number {
  return r.violations.length + (r.omitted?.violations ?? 0);
}
