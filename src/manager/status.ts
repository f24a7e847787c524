// Decides a job's status from what happened, in the order that matters most to the user.
import type { LimitName } from '../spec/types.js';
import type { PhaseResult, RunStatus } from './job.js';

export interface StatusInput {
  error?: string;
  limit?: LimitName;
  /** The crossed limit with its value and where it came from (limit-origin.ts); else only its name. */
  limitSaid?: string;
  /** How many the build attempted, kept or only counted. */
  violations: number;
  audit: boolean;
  phases: PhaseResult[];
  unmatchedArtifacts: string[];
  /** Why no artifact was collected: the patterns matched too many entries. */
  artifactOverflow?: string;
}

export function decideStatus(s: StatusInput): { status: RunStatus; summary: string } {
  if (s.error) return { status: 'error', summary: s.error };
  if (s.limit)
    return { status: 'limit', summary: `${s.limitSaid ?? `the ${s.limit} limit`} was exceeded` };
  if (s.violations && !s.audit)
    return { status: 'violation', summary: `${s.violations} violation(s) of the policy` };
  const failed = s.phases.find((p) => p.exitCode !== 0);
  if (failed)
    return {
      status: 'failed',
      summary: `${failed.name} ${failed.exitCode === null ? 'did not finish' : `exited with ${failed.exitCode}`}`,
    };
  if (s.artifactOverflow) return { status: 'failed', summary: s.artifactOverflow };
  if (s.unmatchedArtifacts.length)
    return { status: 'failed', summary: `no artifact matched ${s.unmatchedArtifacts.join(', ')}` };
  return { status: 'passed', summary: 'passed' };
}
