// The PostgreSQL schema and its migrations: applied on start, once, by whichever replica takes the
// advisory lock first; a replica older than the schema refuses to run on it.
import type pg from 'pg';
import { ContractorError } from '../errors.js';
import { STATES } from './job-store.js';

/** Any fixed number: every replica of every version takes the same lock. */
const MIGRATION_LOCK = 0x636f6e74; // "cont"

/** Migration n (1-based) brings the schema from version n-1 to n; never edit one that shipped. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE deliveries (
     id TEXT PRIMARY KEY,
     event TEXT NOT NULL,
     received_at TIMESTAMPTZ NOT NULL,
     acceptance TEXT NOT NULL
   );
   CREATE TABLE jobs (
     seq BIGSERIAL PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     run_id TEXT NOT NULL UNIQUE,
     repo TEXT NOT NULL,
     sha TEXT NOT NULL,
     trust TEXT NOT NULL DEFAULT '',
     lane TEXT,
     job TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN (${STATES.map((st) => `'${st}'`).join(', ')})),
     attempts INTEGER NOT NULL DEFAULT 0,
     not_before BIGINT NOT NULL DEFAULT 0,
     check_run_id BIGINT,
     check_run_requested BOOLEAN NOT NULL DEFAULT FALSE,
     annotations_sent INTEGER NOT NULL DEFAULT 0,
     outcome TEXT,
     superseded_by TEXT,
     lease_owner TEXT,
     lease_until BIGINT NOT NULL DEFAULT 0,
     created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );
   CREATE INDEX jobs_by_state ON jobs (state, seq);
   CREATE INDEX jobs_by_commit ON jobs (repo, sha);
   CREATE INDEX jobs_by_lane ON jobs (repo, lane, state);
   CREATE INDEX jobs_by_lease ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;
   CREATE TABLE run_files (
     run_id TEXT NOT NULL,
     name TEXT NOT NULL,
     body BYTEA NOT NULL,
     PRIMARY KEY (run_id, name)
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends ContractorError {
  constructor(found: number) {
    super(
      'USAGE',
      `the database's schema is version ${found}, newer than this App knows (${SCHEMA_VERSION}): a newer replica migrated it; upgrade this one to the same release`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Brings the database to SCHEMA_VERSION, or refuses one a newer App made. */
export async function migrate(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version');
    const found = rows[0]?.version ?? 0;
    if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found);
    for (let v = found; v < SCHEMA_VERSION; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v] as string);
        await client.query('DELETE FROM schema_version');
        await client.query('INSERT INTO schema_version (version) VALUES ($1)', [v + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
