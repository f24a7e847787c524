// The phases of an outcome: those that ran, and, when a limit or a cancel ended the job (the wall
// limit can fall while the worker still starts), the rest reported as not run, exit code null.
import type { PhaseOutcome, WorkerJob, WorkerOutcome } from './driver.js';

export function phasesWithUnrun(
  job: WorkerJob,
  ran: readonly PhaseOutcome[],
  ended: boolean,
): PhaseOutcome[] {
  if (!ended) return [...ran];
  const now = Date.now();
  return job.phases.map(
    (p) =>
      ran.find((r) => r.name === p.name) ?? {
        name: p.name,
        exitCode: null,
        startedAt: now,
        durationMs: 0,
      },
  );
}

/** A job cancelled before its worker started (replaced while its inputs were made): nothing ran. */
export function cancelledBeforeStart(job: WorkerJob): WorkerOutcome | undefined {
  if (!job.signal?.aborted) return undefined;
  return {
    phases: phasesWithUnrun(job, [], true),
    violations: [],
    outputComplete: false,
    outputProblem: 'the job was cancelled before its worker started',
    cancelled: true,
  };
}
