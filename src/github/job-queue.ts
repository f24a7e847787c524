// The durable queue: a webhook is acknowledged only once its job is in SQLite, so a crash loses nothing.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from './sqlite-open.js';
import { jobKey, laneOf, type AppJob, type JobIntent } from './app-job.js';
import { policyInputs } from './policy-inputs.js';
import { newRunId } from './run-id.js';

/**
 * A job's life: queued → running → reporting → done, or queued|running → superseded → done when a
 * newer head of its branch or pull request arrives (its check run then concludes cancelled).
 */
export type JobState = 'queued' | 'running' | 'reporting' | 'superseded' | 'done';

const STATES: JobState[] = ['queued', 'running', 'reporting', 'superseded', 'done'];

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

export type Acceptance = 'queued' | 'duplicate' | 'ignored' | 'covered';

interface Row {
  seq: number;
  job: string;
  run_id: string;
  state: JobState;
  attempts: number;
  check_run_id: number | null;
  check_run_requested: number;
  annotations_sent: number;
  outcome: string | null;
  superseded_by: string | null;
}

const JOB_COLUMNS = `
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  run_id TEXT NOT NULL UNIQUE,
  repo TEXT NOT NULL,
  sha TEXT NOT NULL,
  trust TEXT NOT NULL DEFAULT '',
  lane TEXT,
  job TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN (${STATES.map((st) => `'${st}'`).join(', ')})),
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0,
  check_run_id INTEGER,
  check_run_requested INTEGER NOT NULL DEFAULT 0,
  annotations_sent INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  superseded_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  received_at TEXT NOT NULL,
  acceptance TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (${JOB_COLUMNS}
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, seq);
CREATE INDEX IF NOT EXISTS jobs_by_commit ON jobs (repo, sha);
`;

function toQueued(r: Row): QueuedJob {
  return {
    seq: r.seq,
    job: JSON.parse(r.job) as AppJob,
    runId: r.run_id,
    state: r.state,
    attempts: r.attempts,
    checkRunId: r.check_run_id,
    checkRunRequested: r.check_run_requested === 1,
    annotationsSent: r.annotations_sent,
    outcome: r.outcome,
    supersededBy: r.superseded_by,
  };
}

export class JobQueue {
  private readonly db: Database.Database;
  /** When each repository last had a build claimed, counted in claims: the fairness order. */
  private readonly lastTurn = new Map<string, number>();
  private turns = 0;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = openSqlite(file);
    // WAL: a committed insert survives SIGKILL of this process; NORMAL skips fsync on every commit.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.upgrade();
    this.db.exec('CREATE INDEX IF NOT EXISTS jobs_by_lane ON jobs (repo, lane, state)');
  }

  /** A queue an older App made: rebuilt with today's columns and states, its rows kept. */
  private upgrade(): void {
    const { sql } = this.db
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'jobs'`)
      .get() as { sql: string };
    if (sql.includes(`'superseded'`)) return;
    const old = (this.db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    this.db.transaction(() => {
      this.db.exec(`ALTER TABLE jobs RENAME TO jobs_before_upgrade`);
      this.db.exec(`CREATE TABLE jobs (${JOB_COLUMNS}\n)`);
      // Rows made before jobs were told apart by their trusted branches keep '': they match nothing.
      this.db.exec(
        `INSERT INTO jobs (${old.join(', ')}) SELECT ${old.join(', ')} FROM jobs_before_upgrade`,
      );
      this.db.exec(`DROP TABLE jobs_before_upgrade`);
      this.db.exec(SCHEMA);
    })();
  }

  /** Records the delivery and queues its job in one transaction: the idempotency key is the delivery id. */
  accept(delivery: string, event: string, intent: JobIntent): Acceptance {
    return this.db
      .transaction((): Acceptance => {
        const seen = this.db.prepare('SELECT 1 FROM deliveries WHERE id = ?').get(delivery);
        if (seen) return 'duplicate';
        const acceptance = this.enqueue(delivery, intent);
        this.db
          .prepare(
            'INSERT INTO deliveries (id, event, received_at, acceptance) VALUES (?, ?, ?, ?)',
          )
          .run(delivery, event, new Date().toISOString(), acceptance);
        return acceptance;
      })
      .immediate();
  }

  private enqueue(delivery: string, intent: JobIntent): Acceptance {
    if (intent.kind === 'ignore') return 'ignored';
    const j = intent.job;
    const repo = `${j.owner}/${j.repo}`;
    const trust = policyInputs(j);
    // One check run per head sha and policy: a push and its check suite are the same build, unless
    // re-requested; a pull request onto a stricter base is not covered by a pass under a looser one.
    const covered = 'SELECT 1 FROM jobs WHERE repo = ? AND sha = ? AND trust = ?';
    if (!j.rerun && this.db.prepare(covered).get(repo, j.sha, trust)) return 'covered';
    const job: AppJob = { ...j, key: jobKey(delivery, j.sha), delivery };
    const now = new Date().toISOString();
    const lane = laneOf(j);
    this.db
      .prepare(
        `INSERT INTO jobs (key, run_id, repo, sha, trust, lane, job, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(job.key, newRunId(), repo, j.sha, trust, lane, JSON.stringify(job), now, now);
    // A re-request of an older head builds beside the newest one; a new head replaces the old.
    if (lane !== null && !j.rerun) this.supersede(repo, lane, j.sha, now);
    return 'queued';
  }

  /** The builds of other heads in the lane that have not finished: their check runs end cancelled. */
  private supersede(repo: string, lane: string, sha: string, now: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'superseded', superseded_by = ?, updated_at = ?
         WHERE repo = ? AND lane = ? AND sha != ? AND state IN ('queued', 'running')`,
      )
      .run(sha, now, repo, lane, sha);
  }

  /** After a crash: running jobs go back to the queue once; a second crash gives up on the build. */
  recover(maxAttempts: number): { requeued: number; abandoned: number } {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      const requeued = this.db
        .prepare(
          `UPDATE jobs SET state = 'queued', not_before = 0, updated_at = ? WHERE state = 'running' AND attempts < ?`,
        )
        .run(now, maxAttempts).changes;
      const abandoned = this.db
        .prepare(
          `UPDATE jobs SET state = 'reporting', outcome = NULL, updated_at = ? WHERE state = 'running'`,
        )
        .run(now).changes;
      return { requeued, abandoned };
    })();
  }

  /**
   * The next job that is due, now marked running with one more attempt: repositories take turns
   * (the one served longest ago first), and one with `perRepository` builds running waits.
   */
  claim(perRepository = Infinity, now = Date.now()): QueuedJob | undefined {
    return this.db.transaction(() => {
      const heads = this.db
        .prepare(
          `SELECT repo, MIN(seq) AS seq FROM jobs WHERE state = 'queued' AND not_before <= ?
           AND repo NOT IN (SELECT repo FROM jobs WHERE state = 'running' GROUP BY repo HAVING COUNT(*) >= ?)
           GROUP BY repo`,
        )
        .all(now, Number.isFinite(perRepository) ? perRepository : 2 ** 31) as {
        repo: string;
        seq: number;
      }[];
      const turn = (repo: string) => this.lastTurn.get(repo) ?? 0;
      heads.sort((a, b) => turn(a.repo) - turn(b.repo) || a.seq - b.seq);
      const next = heads[0];
      if (!next) return undefined;
      this.lastTurn.set(next.repo, ++this.turns);
      const row = this.db
        .prepare(
          `UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE seq = ? RETURNING *`,
        )
        .get(new Date(now).toISOString(), next.seq) as Row;
      return toQueued(row);
    })();
  }

  /** Puts a job back without counting the attempt: GitHub or the App failed, not the build. */
  retryLater(seq: number, delayMs: number): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), not_before = ?, updated_at = ?
         WHERE seq = ? AND state = 'running'`,
      )
      .run(Date.now() + delayMs, new Date().toISOString(), seq);
  }

  checkRunRequested(seq: number): void {
    this.db.prepare('UPDATE jobs SET check_run_requested = 1 WHERE seq = ?').run(seq);
  }

  checkRunCreated(seq: number, id: number): void {
    this.db
      .prepare('UPDATE jobs SET check_run_id = ?, check_run_requested = 1 WHERE seq = ?')
      .run(id, seq);
  }

  /** The build is over: what to report is stored before anything is sent, so a crash resends it. */
  finished(seq: number, outcome: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'reporting', outcome = ?, updated_at = ? WHERE seq = ? AND state = 'running'`,
      )
      .run(outcome, new Date().toISOString(), seq);
  }

  /** What to report for a job that never finished a build (abandoned, superseded), in its state. */
  recordOutcome(seq: number, outcome: string): void {
    this.db.prepare('UPDATE jobs SET outcome = ? WHERE seq = ?').run(outcome, seq);
  }

  annotationsSent(seq: number, count: number): void {
    this.db.prepare('UPDATE jobs SET annotations_sent = ? WHERE seq = ?').run(count, seq);
  }

  done(seq: number): void {
    this.db
      .prepare(`UPDATE jobs SET state = 'done', updated_at = ? WHERE seq = ?`)
      .run(new Date().toISOString(), seq);
  }

  /** Queued jobs whose check run does not exist yet: GitHub should show them as queued at once. */
  unannounced(): QueuedJob[] {
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE state = 'queued' AND check_run_id IS NULL ORDER BY seq`)
      .all() as Row[];
    return rows.map(toQueued);
  }

  reporting(): QueuedJob[] {
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE state IN ('reporting', 'superseded') ORDER BY seq`)
      .all() as Row[];
    return rows.map(toQueued);
  }

  get(seq: number): QueuedJob | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE seq = ?').get(seq) as Row | undefined;
    return row && toQueued(row);
  }

  byRunId(runId: string): QueuedJob | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE run_id = ?').get(runId) as
      Row | undefined;
    return row && toQueued(row);
  }

  /** A finished run whose records were removed (run-retention.ts): its row goes with them. */
  forget(runId: string): void {
    this.db.prepare(`DELETE FROM jobs WHERE run_id = ? AND state = 'done'`).run(runId);
  }

  /** Deliveries GitHub can no longer redeliver; returns how many were removed. */
  pruneDeliveries(now = Date.now()): number {
    const before = new Date(now - REDELIVERY_WINDOW_MS).toISOString();
    return this.db.prepare('DELETE FROM deliveries WHERE received_at < ?').run(before).changes;
  }

  counts(): Record<JobState, number> {
    const counts = Object.fromEntries(STATES.map((st) => [st, 0])) as Record<JobState, number>;
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: JobState;
      n: number;
    }[];
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  close(): void {
    this.db.close();
  }
}
