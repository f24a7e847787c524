// Which store the App keeps its queue in: PostgreSQL when given a database URL, else SQLite in the data dir.
import { join } from 'node:path';
import { ContractorError } from '../errors.js';
import type { JobStore } from './job-store.js';
import { PostgresJobStore } from './postgres-job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';

export async function openJobStore(o: {
  database?: string;
  dataDir: string;
  leaseMs?: number;
}): Promise<JobStore> {
  if (!o.database) return new SqliteJobStore(join(o.dataDir, 'queue.sqlite'), o.leaseMs);
  if (!/^postgres(ql)?:\/\//.test(o.database))
    throw new ContractorError(
      'USAGE',
      '--database must be a postgresql:// URL; leave it out to keep the queue in SQLite in --data-dir',
    );
  return PostgresJobStore.open(o.database, o.leaseMs);
}
