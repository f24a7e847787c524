// The embedded store: one App process, a SQLite file in --data-dir. A webhook is acknowledged only once
// its job is in the file, so a crash loses nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from './sqlite-open.js';
import { jobKey, laneOf, type AppJob, type JobIntent } from './app-job.js';
import {
  DEFAULT_LEASE_MS,
  REDELIVERY_WINDOW_MS,
  STATES,
  toQueued,
  Turns,
  type Acceptance,
  type JobRow,
  type JobState,
  type JobStore,
  type QueuedJob,
  type RunFile,
} from './job-store.js';
import { policyInputs } from './policy-inputs.js';
import { newRunId } from './run-id.js';

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
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
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

const iso = (ms = Date.now()) => new Date(ms).toISOString();

export class SqliteJobStore implements JobStore {
  readonly owner = `sqlite-${process.pid}-${randomBytes(6).toString('hex')}`;
  readonly sharedRuns = false;
  private readonly db: Database.Database;
  private readonly turns = new Turns();

  constructor(
    file: string,
    readonly leaseMs = DEFAULT_LEASE_MS,
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = openSqlite(file);
    // WAL: a committed insert survives SIGKILL of this process; NORMAL skips fsync on every commit.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.upgrade();
    this.db.exec('CREATE INDEX IF NOT EXISTS jobs_by_lane ON jobs (repo, lane, state)');
    // One process owns the file: whoever held a lease before this start is gone.
    this.db.exec('UPDATE jobs SET lease_owner = NULL, lease_until = 0');
  }

  /** A queue an older App made: rebuilt with today's columns and states, its rows kept. */
  private upgrade(): void {
    const { sql } = this.db
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'jobs'`)
      .get() as { sql: string };
    if (sql.includes('lease_until')) return;
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

  async accept(delivery: string, event: string, intent: JobIntent): Promise<Acceptance> {
    return this.db
      .transaction((): Acceptance => {
        const seen = this.db.prepare('SELECT 1 FROM deliveries WHERE id = ?').get(delivery);
        if (seen) return 'duplicate';
        const acceptance = this.enqueue(delivery, intent);
        this.db
          .prepare(
            'INSERT INTO deliveries (id, event, received_at, acceptance) VALUES (?, ?, ?, ?)',
          )
          .run(delivery, event, iso(), acceptance);
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
    const now = iso();
    const lane = laneOf(j);
    this.db
      .prepare(
        `INSERT INTO jobs (key, run_id, repo, sha, trust, lane, job, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(job.key, newRunId(), repo, j.sha, trust, lane, JSON.stringify(job), now, now);
    // A re-request of an older head builds beside the newest one; a new head replaces the old.
    if (lane !== null && !j.rerun)
      this.db
        .prepare(
          `UPDATE jobs SET state = 'superseded', superseded_by = ?, updated_at = ?
           WHERE repo = ? AND lane = ? AND sha != ? AND state IN ('queued', 'running')`,
        )
        .run(j.sha, now, repo, lane, j.sha);
    return 'queued';
  }

  async recover(maxAttempts: number): Promise<{ requeued: number; abandoned: number }> {
    return this.db.transaction(() => {
      const now = Date.now();
      const lapsed = `state = 'running' AND lease_until <= ?`;
      const requeued = this.db
        .prepare(
          `UPDATE jobs SET state = 'queued', not_before = 0, lease_owner = NULL, lease_until = 0,
           updated_at = ? WHERE ${lapsed} AND attempts < ?`,
        )
        .run(iso(now), now, maxAttempts).changes;
      const abandoned = this.db
        .prepare(
          `UPDATE jobs SET state = 'reporting', outcome = NULL, lease_owner = NULL, lease_until = 0,
           updated_at = ? WHERE ${lapsed}`,
        )
        .run(iso(now), now).changes;
      return { requeued, abandoned };
    })();
  }

  async claim(perRepository = Infinity, now = Date.now()): Promise<QueuedJob | undefined> {
    return this.db.transaction(() => {
      const heads = this.db
        .prepare(
          `SELECT repo, MIN(seq) AS seq FROM jobs
           WHERE state = 'queued' AND not_before <= ? AND lease_until <= ?
           AND repo NOT IN (SELECT repo FROM jobs WHERE state = 'running' GROUP BY repo HAVING COUNT(*) >= ?)
           GROUP BY repo`,
        )
        .all(now, now, Number.isFinite(perRepository) ? perRepository : 2 ** 31) as {
        repo: string;
        seq: number;
      }[];
      const next = this.turns.order(heads)[0];
      if (!next) return undefined;
      this.turns.served(next.repo);
      const row = this.db
        .prepare(
          `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?,
           lease_until = ?, updated_at = ? WHERE seq = ? RETURNING *`,
        )
        .get(this.owner, now + this.leaseMs, iso(now), next.seq) as JobRow;
      return toQueued(row);
    })();
  }

  private leaseWhere(where: string): QueuedJob[] {
    const now = Date.now();
    const rows = this.db
      .prepare(
        `UPDATE jobs SET lease_owner = ?, lease_until = ?
         WHERE ${where} AND lease_until <= ? RETURNING *`,
      )
      .all(this.owner, now + this.leaseMs, now) as JobRow[];
    return rows.map(toQueued).sort((a, b) => a.seq - b.seq);
  }

  async claimUnannounced(): Promise<QueuedJob[]> {
    return this.leaseWhere(`state = 'queued' AND check_run_id IS NULL`);
  }

  async claimReporting(): Promise<QueuedJob[]> {
    return this.leaseWhere(`state IN ('reporting', 'superseded')`);
  }

  async renew(): Promise<void> {
    this.db
      .prepare(`UPDATE jobs SET lease_until = ? WHERE lease_owner = ? AND state != 'done'`)
      .run(Date.now() + this.leaseMs, this.owner);
  }

  async release(seq: number, delayMs: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE jobs SET lease_owner = NULL, lease_until = ? WHERE seq = ? AND lease_owner = ?`,
      )
      .run(delayMs > 0 ? Date.now() + delayMs : 0, seq, this.owner);
  }

  async retryLater(seq: number, delayMs: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), not_before = ?,
         lease_owner = NULL, lease_until = 0, updated_at = ?
         WHERE seq = ? AND state = 'running' AND lease_owner = ?`,
      )
      .run(Date.now() + delayMs, iso(), seq, this.owner);
  }

  async checkRunRequested(seq: number): Promise<void> {
    this.db.prepare('UPDATE jobs SET check_run_requested = 1 WHERE seq = ?').run(seq);
  }

  async checkRunCreated(seq: number, id: number): Promise<void> {
    this.db
      .prepare('UPDATE jobs SET check_run_id = ?, check_run_requested = 1 WHERE seq = ?')
      .run(id, seq);
  }

  async finished(seq: number, outcome: string): Promise<boolean> {
    return (
      this.db
        .prepare(
          `UPDATE jobs SET state = 'reporting', outcome = ?, updated_at = ?
           WHERE seq = ? AND state = 'running' AND lease_owner = ?`,
        )
        .run(outcome, iso(), seq, this.owner).changes === 1
    );
  }

  async recordOutcome(seq: number, outcome: string): Promise<void> {
    this.db.prepare('UPDATE jobs SET outcome = ? WHERE seq = ?').run(outcome, seq);
  }

  async annotationsSent(seq: number, count: number): Promise<void> {
    this.db.prepare('UPDATE jobs SET annotations_sent = ? WHERE seq = ?').run(count, seq);
  }

  async done(seq: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = 0, updated_at = ? WHERE seq = ?`,
      )
      .run(iso(), seq);
  }

  async get(seq: number): Promise<QueuedJob | undefined> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE seq = ?').get(seq) as JobRow | undefined;
    return row && toQueued(row);
  }

  async byRunId(runId: string): Promise<QueuedJob | undefined> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE run_id = ?').get(runId) as
      JobRow | undefined;
    return row && toQueued(row);
  }

  async forget(runId: string): Promise<void> {
    this.db.prepare(`DELETE FROM jobs WHERE run_id = ? AND state = 'done'`).run(runId);
  }

  // Runs are files in --data-dir: pruneRuns removes them and their rows by age and size.
  async forgetFinishedBefore(_ms: number): Promise<string[]> {
    return [];
  }

  async pruneDeliveries(now = Date.now()): Promise<number> {
    const before = iso(now - REDELIVERY_WINDOW_MS);
    return this.db.prepare('DELETE FROM deliveries WHERE received_at < ?').run(before).changes;
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(STATES.map((st) => [st, 0])) as Record<JobState, number>;
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: JobState;
      n: number;
    }[];
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  // The out dir in --data-dir is the record: one process serves every page.
  async saveRunFiles(_runId: string, _files: RunFile[]): Promise<void> {}

  async runFiles(_runId: string): Promise<RunFile[]> {
    return [];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
