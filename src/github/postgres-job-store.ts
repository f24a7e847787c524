// The shared store: any number of App replicas on one PostgreSQL. Each step on a job is claimed with
// FOR UPDATE SKIP LOCKED under a lease its replica renews, so a dead replica's jobs pass to another.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ContractorError } from '../errors.js';
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
import { migrate } from './postgres-schema.js';
import { policyInputs } from './policy-inputs.js';
import { newRunId } from './run-id.js';

/** Per statement: the oldest jobs first, a bounded batch. */
const BATCH = 100;

export class PostgresJobStore implements JobStore {
  readonly owner = `${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
  readonly sharedRuns = true;
  private readonly turns = new Turns();
  /** The database's clock minus this host's: leases of replicas on different hosts are timed alike. */
  private clockOffset = 0;

  private constructor(
    private readonly pool: pg.Pool,
    readonly leaseMs: number,
  ) {}

  /** Connects, migrates under the advisory lock, and refuses a schema newer than this App. */
  static async open(url: string, leaseMs = DEFAULT_LEASE_MS): Promise<PostgresJobStore> {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server dropped must not take the App down.
    pool.on('error', () => {});
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end();
      throw new ContractorError(
        'USAGE',
        `cannot reach the database given by --database: ${(err as Error).message}; check the URL and that PostgreSQL is running`,
        { cause: err },
      );
    }
    try {
      await migrate(client);
    } catch (err) {
      client.release();
      await pool.end();
      throw err;
    }
    client.release();
    const store = new PostgresJobStore(pool, leaseMs);
    await store.syncClock();
    return store;
  }

  /** Leases are timed by the database's clock, never by a replica's own (hosts drift apart). */
  private now(): number {
    return Date.now() + this.clockOffset;
  }

  private async syncClock(): Promise<void> {
    const before = Date.now();
    const { rows } = await this.pool.query<{ ms: number }>(
      'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms',
    );
    const after = Date.now();
    this.clockOffset = Math.round(Number(rows[0]?.ms ?? after) - (before + after) / 2);
  }

  private async transaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  private async rows(sql: string, params: unknown[]): Promise<QueuedJob[]> {
    const { rows } = await this.pool.query<JobRow>(sql, params);
    return rows.map(toQueued).sort((a, b) => a.seq - b.seq);
  }

  async accept(delivery: string, event: string, intent: JobIntent): Promise<Acceptance> {
    return this.transaction(async (c) => {
      // A delivery sent to two replicas at once: the second waits on the first's row, then sees it.
      const fresh = await c.query(
        `INSERT INTO deliveries (id, event, received_at, acceptance) VALUES ($1, $2, now(), '')
         ON CONFLICT (id) DO NOTHING`,
        [delivery, event],
      );
      if (fresh.rowCount === 0) return 'duplicate';
      const acceptance = await this.enqueue(c, delivery, intent);
      await c.query('UPDATE deliveries SET acceptance = $2 WHERE id = $1', [delivery, acceptance]);
      return acceptance;
    });
  }

  private async enqueue(
    c: pg.PoolClient,
    delivery: string,
    intent: JobIntent,
  ): Promise<Acceptance> {
    if (intent.kind === 'ignore') return 'ignored';
    const j = intent.job;
    const repo = `${j.owner}/${j.repo}`;
    const trust = policyInputs(j);
    // One repository's deliveries are accepted one at a time across replicas: the covered check and
    // the lane's superseding then see each other's jobs (one check run per head and policy).
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('contractor-repo:' || $1))`, [repo]);
    const covered = await c.query(
      'SELECT 1 FROM jobs WHERE repo = $1 AND sha = $2 AND trust = $3',
      [repo, j.sha, trust],
    );
    if (!j.rerun && covered.rowCount) return 'covered';
    const job: AppJob = { ...j, key: jobKey(delivery, j.sha), delivery };
    const lane = laneOf(j);
    await c.query(
      `INSERT INTO jobs (key, run_id, repo, sha, trust, lane, job, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', now(), now())`,
      [job.key, newRunId(), repo, j.sha, trust, lane, JSON.stringify(job)],
    );
    if (lane !== null && !j.rerun)
      await c.query(
        `UPDATE jobs SET state = 'superseded', superseded_by = $1, updated_at = now()
         WHERE repo = $2 AND lane = $3 AND sha != $1 AND state IN ('queued', 'running')`,
        [j.sha, repo, lane],
      );
    return 'queued';
  }

  async recover(maxAttempts: number): Promise<{ requeued: number; abandoned: number }> {
    return this.transaction(async (c) => {
      const now = this.now();
      const requeued = await c.query(
        `UPDATE jobs SET state = 'queued', not_before = 0, lease_owner = NULL, lease_until = 0,
         updated_at = now() WHERE state = 'running' AND lease_until <= $1 AND attempts < $2`,
        [now, maxAttempts],
      );
      const abandoned = await c.query(
        `UPDATE jobs SET state = 'reporting', outcome = NULL, lease_owner = NULL, lease_until = 0,
         updated_at = now() WHERE state = 'running' AND lease_until <= $1`,
        [now],
      );
      return { requeued: requeued.rowCount ?? 0, abandoned: abandoned.rowCount ?? 0 };
    });
  }

  async claim(perRepository = Infinity, now = this.now()): Promise<QueuedJob | undefined> {
    const limit = Number.isFinite(perRepository) ? perRepository : 2 ** 31;
    const { rows: heads } = await this.pool.query<{ repo: string; seq: string }>(
      `SELECT repo, MIN(seq) AS seq FROM jobs
       WHERE state = 'queued' AND not_before <= $1 AND lease_until <= $1
       AND repo NOT IN (SELECT repo FROM jobs WHERE state = 'running' GROUP BY repo HAVING COUNT(*) >= $2)
       GROUP BY repo`,
      [now, limit],
    );
    const order = this.turns.order(heads.map((h) => ({ repo: h.repo, seq: Number(h.seq) })));
    for (const head of order) {
      // Another replica may take this repository's next job first: SKIP LOCKED moves on, never waits.
      const [claimed] = await this.rows(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1,
         lease_until = $2, updated_at = now()
         WHERE seq = (SELECT seq FROM jobs WHERE repo = $3 AND state = 'queued' AND not_before <= $4
                      AND lease_until <= $4 ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [this.owner, now + this.leaseMs, head.repo, now],
      );
      if (!claimed) continue;
      this.turns.served(head.repo);
      return claimed;
    }
    return undefined;
  }

  private leaseWhere(where: string): Promise<QueuedJob[]> {
    const now = this.now();
    return this.rows(
      `UPDATE jobs SET lease_owner = $1, lease_until = $2
       WHERE seq IN (SELECT seq FROM jobs WHERE ${where} AND lease_until <= $3
                     ORDER BY seq LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.owner, now + this.leaseMs, now],
    );
  }

  claimUnannounced(): Promise<QueuedJob[]> {
    return this.leaseWhere(`state = 'queued' AND check_run_id IS NULL`);
  }

  claimReporting(): Promise<QueuedJob[]> {
    return this.leaseWhere(`state IN ('reporting', 'superseded')`);
  }

  async renew(): Promise<void> {
    await this.syncClock();
    await this.pool.query(
      `UPDATE jobs SET lease_until = $1 WHERE lease_owner = $2 AND state != 'done'`,
      [this.now() + this.leaseMs, this.owner],
    );
  }

  async release(seq: number, delayMs: number): Promise<void> {
    // Free now is 0, not "my now": replicas' estimates of the database clock differ by a few ms,
    // and a lease ending at mine would still look held to a replica whose estimate runs behind.
    await this.pool.query(
      `UPDATE jobs SET lease_owner = NULL, lease_until = $1 WHERE seq = $2 AND lease_owner = $3`,
      [delayMs > 0 ? this.now() + delayMs : 0, seq, this.owner],
    );
  }

  async retryLater(seq: number, delayMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE jobs SET state = 'queued', attempts = GREATEST(attempts - 1, 0), not_before = $1,
       lease_owner = NULL, lease_until = 0, updated_at = now()
       WHERE seq = $2 AND state = 'running' AND lease_owner = $3`,
      [delayMs > 0 ? this.now() + delayMs : 0, seq, this.owner],
    );
  }

  async checkRunRequested(seq: number): Promise<void> {
    await this.pool.query('UPDATE jobs SET check_run_requested = TRUE WHERE seq = $1', [seq]);
  }

  async checkRunCreated(seq: number, id: number): Promise<void> {
    await this.pool.query(
      'UPDATE jobs SET check_run_id = $1, check_run_requested = TRUE WHERE seq = $2',
      [id, seq],
    );
  }

  async finished(seq: number, outcome: string): Promise<boolean> {
    // Fenced by the lease: a replica that lost its job (lease lapsed, taken over) reports nothing.
    const r = await this.pool.query(
      `UPDATE jobs SET state = 'reporting', outcome = $1, updated_at = now()
       WHERE seq = $2 AND state = 'running' AND lease_owner = $3`,
      [outcome, seq, this.owner],
    );
    return r.rowCount === 1;
  }

  async recordOutcome(seq: number, outcome: string): Promise<void> {
    await this.pool.query('UPDATE jobs SET outcome = $1 WHERE seq = $2', [outcome, seq]);
  }

  async annotationsSent(seq: number, count: number): Promise<void> {
    await this.pool.query('UPDATE jobs SET annotations_sent = $1 WHERE seq = $2', [count, seq]);
  }

  async done(seq: number): Promise<void> {
    await this.pool.query(
      `UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = 0, updated_at = now()
       WHERE seq = $1`,
      [seq],
    );
  }

  async get(seq: number): Promise<QueuedJob | undefined> {
    return (await this.rows('SELECT * FROM jobs WHERE seq = $1', [seq]))[0];
  }

  async byRunId(runId: string): Promise<QueuedJob | undefined> {
    return (await this.rows('SELECT * FROM jobs WHERE run_id = $1', [runId]))[0];
  }

  async forget(runId: string): Promise<void> {
    await this.transaction(async (c) => {
      const gone = await c.query(`DELETE FROM jobs WHERE run_id = $1 AND state = 'done'`, [runId]);
      if (gone.rowCount) await c.query('DELETE FROM run_files WHERE run_id = $1', [runId]);
    });
  }

  async forgetFinishedBefore(ms: number): Promise<string[]> {
    return this.transaction(async (c) => {
      const { rows } = await c.query<{ run_id: string }>(
        `DELETE FROM jobs WHERE state = 'done' AND updated_at < to_timestamp($1 / 1000.0)
         RETURNING run_id`,
        [ms],
      );
      const ids = rows.map((r) => r.run_id);
      await c.query('DELETE FROM run_files WHERE run_id = ANY($1)', [ids]);
      return ids;
    });
  }

  async pruneDeliveries(now = Date.now()): Promise<number> {
    const r = await this.pool.query(
      'DELETE FROM deliveries WHERE received_at < to_timestamp($1 / 1000.0)',
      [now - REDELIVERY_WINDOW_MS],
    );
    return r.rowCount ?? 0;
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(STATES.map((st) => [st, 0])) as Record<JobState, number>;
    const { rows } = await this.pool.query<{ state: JobState; n: string }>(
      'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state',
    );
    for (const r of rows) counts[r.state] = Number(r.n);
    return counts;
  }

  async saveRunFiles(runId: string, files: RunFile[]): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('DELETE FROM run_files WHERE run_id = $1', [runId]);
      for (const f of files)
        await c.query('INSERT INTO run_files (run_id, name, body) VALUES ($1, $2, $3)', [
          runId,
          f.name,
          f.body,
        ]);
    });
  }

  async runFiles(runId: string): Promise<RunFile[]> {
    const { rows } = await this.pool.query<RunFile>(
      'SELECT name, body FROM run_files WHERE run_id = $1 ORDER BY name',
      [runId],
    );
    return rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
