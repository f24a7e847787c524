// A worker whose phases all passed but whose workspace did not come back whole: what was lost is named.
import { ContractorError } from '../errors.js';
import type { WorkerOutcome } from '../worker/driver.js';

export class OutputLostError extends ContractorError {
  /** The spec's artifact patterns none of whose files came back. */
  readonly lost: string[];

  constructor(lost: string[], why: string, workspace: boolean) {
    const what = [
      ...(lost.length ? [`the artifacts ${lost.join(', ')}`] : []),
      ...(workspace ? ['the saved workspace'] : []),
    ].join(' and ');
    super(
      'INFRASTRUCTURE',
      `the worker's workspace archive is incomplete (${why}), so ${what} did not come back; if the build did not cause it, re-run the job and report it`,
    );
    this.name = 'OutputLostError';
    this.lost = lost;
  }
}

export interface OutputExpectation {
  /** How many phases the job asked for. */
  phases: number;
  /** The spec's artifact patterns. */
  patterns: string[];
  /** Whether the job saves its workspace. */
  workspace: boolean;
}

/**
 * The error for an incomplete output that nothing else explains (a limit, a cancel, a failed phase
 * report themselves), when the job had something to take from it; undefined otherwise.
 */
export function outputLost(
  outcome: WorkerOutcome,
  expected: OutputExpectation,
): OutputLostError | undefined {
  if (outcome.outputComplete || outcome.limit || outcome.cancelled) return undefined;
  const passed = outcome.phases.filter((p) => p.exitCode === 0).length;
  if (passed < expected.phases) return undefined;
  if (!expected.patterns.length && !expected.workspace) return undefined;
  const why = outcome.outputProblem ?? 'the worker did not say why';
  return new OutputLostError(expected.patterns, why, expected.workspace);
}
