// The phases of an outcome: those that ran, and, when a limit or a cancel ended the job (the wall
// limit can fall while the worker still starts), the rest reported as not run, exit code null.
import type { PhaseOutcome, WorkerJob } from './driver.js';

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
