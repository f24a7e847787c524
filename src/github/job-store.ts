// The App's one storage seam: deliveries, the job queue and its leases, behind async calls that
// SQLite (embedded, one process) and PostgreSQL (several replicas) both implement.
import type { AppJob, JobIntent } from './app-job.js';

/**
 * A job's life: queued → running → reporting → done, or queued|running → superseded → done when a
 * newer head of its branch or pull request arrives (its check run then concludes cancelled).
 */
export type JobState = 'queued' | 'running' | 'reporting' | 'superseded' | 'done';

export const STATES: JobState[] = ['queued', 'running', 'reporting', 'superseded', 'done'];

export interface QueuedJob {
  seq: number;
  job: AppJob;
  runId: string;
  state: JobState;
  /** How many times a build was started; a restart re-runs a running job at most once more. */
  attempts: number;
  checkRunId: number | null;
  /** A create was sent: look the run up by external_id before creating another. */
  checkRunRequested: boolean;
  annotationsSent: number;
  outcome: string | null;
  /** The head that replaced this one, when it was superseded. */
  supersededBy: string | null;
}

/**
 * GitHub lets you redeliver deliveries from the past 3 days: an id older than that cannot come
 * again, so its row no longer guards against a duplicate.
 */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3_600_000;

/** How long a claim holds without renewal: a replica that stops renewing loses its jobs after it. */
export const DEFAULT_LEASE_MS = 60_000;

export type Acceptance = 'queued' | 'duplicate' | 'ignored' | 'covered';

/** A finished run's files as any replica serves them: name beneath the run's out dir, and bytes. */
export interface RunFile {
  name: string;
  body: Buffer;
}

/**
 * Every step on a job (announcing, building, reporting) is taken under a lease this store's
 * `owner` holds and renews; a lease that lapses lets another replica take the step over.
 */
export interface JobStore {
  /** This process, as leases name it. */
  readonly owner: string;
  readonly leaseMs: number;
  /** Records the delivery and queues its job at once: the idempotency key is the delivery id. */
  accept(delivery: string, event: string, intent: JobIntent): Promise<Acceptance>;
  /** Running jobs whose lease lapsed go back to the queue once; a second loss gives up on the build. */
  recover(maxAttempts: number): Promise<{ requeued: number; abandoned: number }>;
  /** The next due job, now running under this owner's lease; repositories take turns. */
  claim(perRepository?: number, now?: number): Promise<QueuedJob | undefined>;
  /** Queued jobs without a check run, leased so that one replica creates it. */
  claimUnannounced(): Promise<QueuedJob[]>;
  /** Jobs whose completion is due (reporting, superseded) and nobody holds. */
  claimReporting(): Promise<QueuedJob[]>;
  /** Extends every lease this owner holds. */
  renew(): Promise<void>;
  /** Gives a lease up; nobody takes the job again for delayMs. */
  release(seq: number, delayMs: number): Promise<void>;
  /** Puts a job back without counting the attempt: GitHub or the App failed, not the build. */
  retryLater(seq: number, delayMs: number): Promise<void>;
  checkRunRequested(seq: number): Promise<void>;
  checkRunCreated(seq: number, id: number): Promise<void>;
  /** The build is over: stored before anything is sent; false when this owner lost the job meanwhile. */
  finished(seq: number, outcome: string): Promise<boolean>;
  recordOutcome(seq: number, outcome: string): Promise<void>;
  annotationsSent(seq: number, count: number): Promise<void>;
  done(seq: number): Promise<void>;
  get(seq: number): Promise<QueuedJob | undefined>;
  byRunId(runId: string): Promise<QueuedJob | undefined>;
  /** A finished run whose records were removed (run-retention.ts): its row goes with them. */
  forget(runId: string): Promise<void>;
  /** Finished runs kept in the store past the retention age: rows and files removed, ids returned. */
  forgetFinishedBefore(ms: number): Promise<string[]>;
  /** Deliveries GitHub can no longer redeliver; returns how many were removed. */
  pruneDeliveries(now?: number): Promise<number>;
  counts(): Promise<Record<JobState, number>>;
  /** Keeps a finished run's files where every replica reads them (no-op where one process serves all). */
  saveRunFiles(runId: string, files: RunFile[]): Promise<void>;
  /** The files saveRunFiles kept; empty where the out dir itself is the record. */
  runFiles(runId: string): Promise<RunFile[]>;
  /** True where run files must be copied into the store for other replicas to serve them. */
  readonly sharedRuns: boolean;
  close(): Promise<void>;
}

/** The job as the queue rows hold it; both stores read rows of this shape. */
export interface JobRow {
  seq: number;
  job: string;
  run_id: string;
  state: JobState;
  attempts: number;
  check_run_id: number | string | null;
  check_run_requested: number | boolean;
  annotations_sent: number;
  outcome: string | null;
  superseded_by: string | null;
}

export function toQueued(r: JobRow): QueuedJob {
  return {
    seq: Number(r.seq),
    job: JSON.parse(r.job) as AppJob,
    runId: r.run_id,
    state: r.state,
    attempts: r.attempts,
    checkRunId: r.check_run_id === null ? null : Number(r.check_run_id),
    checkRunRequested: r.check_run_requested === 1 || r.check_run_requested === true,
    annotationsSent: r.annotations_sent,
    outcome: r.outcome,
    supersededBy: r.superseded_by,
  };
}

/** Fairness: the repository served longest ago goes first, then the oldest job. */
export class Turns {
  private readonly last = new Map<string, number>();
  private turns = 0;

  order<T extends { repo: string; seq: number }>(heads: T[]): T[] {
    const turn = (repo: string) => this.last.get(repo) ?? 0;
    return heads.sort((a, b) => turn(a.repo) - turn(b.repo) || a.seq - b.seq);
  }

  served(repo: string): void {
    this.last.set(repo, ++this.turns);
  }
}
