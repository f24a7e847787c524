// The storage contract, run against both stores: SQLite (embedded) and PostgreSQL (several replicas).
// Two store objects on one database stand for two App replicas.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppJob, JobIntent } from '../../src/github/app-job.js';
import { REDELIVERY_WINDOW_MS, type JobStore } from '../../src/github/job-store.js';
import { PostgresJobStore } from '../../src/github/postgres-job-store.js';
import { SCHEMA_VERSION } from '../../src/github/postgres-schema.js';
import { SqliteJobStore } from '../../src/github/sqlite-job-store.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { tempDir } from '../helpers/tmp.js';

type Open = (leaseMs?: number) => Promise<JobStore>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function build(repo: string, sha: string, ref = `refs/heads/b-${sha}`): JobIntent {
  const job: Omit<AppJob, 'key' | 'delivery'> = {
    event: 'push',
    action: null,
    installationId: 1,
    owner: 'octo',
    repo,
    repoId: 7,
    sha,
    ref,
    defaultBranch: 'main',
    private: false,
    pull: null,
    rerun: false,
  };
  return { kind: 'build', job };
}

const sha = () => randomBytes(20).toString('hex');
const delivery = () => randomBytes(8).toString('hex');

/** Every test gets a fresh database; `open` makes one more replica of it. */
function contract(name: string, fresh: () => Promise<{ open: Open; drop: () => Promise<void> }>) {
  const t = suite<{ open: Open; drop: () => Promise<void>; stores: JobStore[] }>(name, {
    open: async () => {
      throw new Error('not set');
    },
    drop: async () => {},
    stores: [],
  });
  t.before.each(async (ctx) => {
    const db = await fresh();
    ctx.stores = [];
    ctx.drop = db.drop;
    ctx.open = async (leaseMs) => {
      const s = await db.open(leaseMs);
      ctx.stores.push(s);
      return s;
    };
  });
  t.after.each(async (ctx) => {
    for (const s of ctx.stores) await s.close();
    await ctx.drop();
  });

  t(
    'a delivery id is a duplicate inside the redelivery window and forgotten after it',
    async ({ open }) => {
      const store = await open();
      const ignore = { kind: 'ignore', reason: 'test', logged: false } as const;
      assert.is(await store.accept('d-1', 'ping', ignore), 'ignored');
      assert.is(await store.pruneDeliveries(Date.now() + REDELIVERY_WINDOW_MS - 60_000), 0);
      assert.is(await store.accept('d-1', 'ping', ignore), 'duplicate');
      assert.is(await store.pruneDeliveries(Date.now() + REDELIVERY_WINDOW_MS + 60_000), 1);
      assert.is(await store.accept('d-1', 'ping', ignore), 'ignored');
    },
  );

  t('one delivery sent to two replicas at once is queued once', async ({ open }) => {
    const [a, b] = [await open(), await open()];
    const d = delivery();
    const s = sha();
    const answers = await Promise.all([
      a.accept(d, 'push', build('r', s)),
      b.accept(d, 'push', build('r', s)),
    ]);
    assert.equal(answers.sort(), ['duplicate', 'queued']);
    assert.is((await a.counts()).queued, 1);
  });

  t('a head already queued under the same policy is covered, on any replica', async ({ open }) => {
    const [a, b] = [await open(), await open()];
    // Ten heads, each sent to both replicas at once: every pair is one race.
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const s = sha();
        const pair = await Promise.all([
          a.accept(delivery(), 'push', build('r', s)),
          b.accept(delivery(), 'check_suite', build('r', s)),
        ]);
        return pair.sort().join();
      }),
    );
    assert.equal(new Set(answers), new Set(['covered,queued']));
    assert.is((await a.counts()).queued, 10);
  });

  t('a newer head of a branch supersedes the queued one', async ({ open }) => {
    const store = await open();
    const [old, head] = [sha(), sha()];
    await store.accept(delivery(), 'push', build('r', old, 'refs/heads/main'));
    await store.accept(delivery(), 'push', build('r', head, 'refs/heads/main'));
    const c = await store.counts();
    assert.is(c.superseded, 1);
    assert.is(c.queued, 1);
  });

  t('two replicas claiming at once take every job exactly once', async ({ open }) => {
    const [a, b] = [await open(), await open()];
    for (let i = 0; i < 20; i++) await a.accept(delivery(), 'push', build(`r${i % 3}`, sha()));
    const taken: number[] = [];
    const drain = async (s: JobStore) => {
      for (let q = await s.claim(); q; q = await s.claim()) taken.push(q.seq);
    };
    await Promise.all([drain(a), drain(b)]);
    assert.is(taken.length, 20);
    assert.is(new Set(taken).size, 20);
    assert.is((await a.counts()).running, 20);
  });

  t('a renewed lease is not taken over', async ({ open }) => {
    const [a, b] = [await open(3000), await open(3000)];
    await a.accept(delivery(), 'push', build('r', sha()));
    const q = await a.claim();
    assert.ok(q);
    await a.renew();
    assert.equal(await b.recover(2), { requeued: 0, abandoned: 0 });
    assert.is(await b.claim(), undefined);
    assert.ok(await a.finished(q.seq, '{}'), 'the holder still finishes its job');
  });

  t(
    'a lapsed lease passes the job to another replica, and the old holder cannot finish it',
    async ({ open }) => {
      const [a, b] = [await open(200), await open(200)];
      await a.accept(delivery(), 'push', build('r', sha()));
      const lost = await a.claim();
      assert.ok(lost);
      await sleep(400);
      assert.equal(await b.recover(2), { requeued: 1, abandoned: 0 });
      const taken = await b.claim();
      assert.is(taken?.seq, lost.seq);
      assert.is(taken?.attempts, 2);
      assert.not.ok(await a.finished(lost.seq, '{}'), 'fenced: the lease is b’s now');
      await a.retryLater(lost.seq, 0);
      assert.is((await b.get(lost.seq))?.state, 'running');
      assert.ok(await b.finished(lost.seq, '{}'));
    },
  );

  t(
    'a job whose lease lapsed twice is given up and reported, not run a third time',
    async ({ open }) => {
      const [a, b] = [await open(100), await open(100)];
      await a.accept(delivery(), 'push', build('r', sha()));
      await a.claim();
      await sleep(250);
      await b.recover(2);
      await b.claim();
      await sleep(250);
      assert.equal(await a.recover(2), { requeued: 0, abandoned: 1 });
      const [r] = await a.claimReporting();
      assert.is(r?.state, 'reporting');
      assert.is(r?.outcome, null);
    },
  );

  t(
    'a job being reported by one replica is not reported by another until released',
    async ({ open }) => {
      const [a, b] = [await open(), await open()];
      await a.accept(delivery(), 'push', build('r', sha()));
      const q = await a.claim();
      assert.ok(q && (await a.finished(q.seq, '{}')));
      await a.release(q.seq, 0);
      assert.is((await a.claimReporting()).length, 1);
      assert.is((await b.claimReporting()).length, 0);
      await a.release(q.seq, 0);
      assert.is((await b.claimReporting()).length, 1);
      await b.done(q.seq);
      assert.is((await a.claimReporting()).length, 0);
    },
  );

  t(
    'a queued job is announced by one replica, and not claimed to build while it is',
    async ({ open }) => {
      const [a, b] = [await open(), await open()];
      await a.accept(delivery(), 'push', build('r', sha()));
      const [q] = await a.claimUnannounced();
      assert.ok(q);
      assert.is((await b.claimUnannounced()).length, 0);
      assert.is(await b.claim(), undefined);
      await a.checkRunCreated(q.seq, 42);
      await a.release(q.seq, 0);
      assert.is((await b.claimUnannounced()).length, 0, 'announced once');
      assert.is((await b.claim())?.checkRunId, 42);
    },
  );

  return t;
}

const sqlite = contract('sqlite', async () => {
  const tmp = tempDir('contractor-store-');
  const file = join(tmp.path, 'queue.sqlite');
  return {
    open: async (leaseMs) => new SqliteJobStore(file, leaseMs),
    drop: async () => tmp.remove(),
  };
});

let cluster: PostgresCluster | undefined;
let databases = 0;
const postgres = contract('postgres', async () => {
  cluster ??= await startPostgres();
  const url = cluster.database(`store_${++databases}`);
  return { open: (leaseMs) => PostgresJobStore.open(url, leaseMs), drop: async () => {} };
});

const schema = suite('postgres schema');

schema('replicas starting together migrate once', async () => {
  cluster ??= await startPostgres();
  const url = cluster.database('migrate_once');
  const stores = await Promise.all([1, 2, 3].map(() => PostgresJobStore.open(url)));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT version FROM schema_version');
    assert.equal(rows, [{ version: SCHEMA_VERSION }]);
  } finally {
    await client.end();
    for (const s of stores) await s.close();
  }
});

schema('an older replica refuses a schema a newer one migrated, saying what to do', async () => {
  cluster ??= await startPostgres();
  const url = cluster.database('too_new');
  await (await PostgresJobStore.open(url)).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('UPDATE schema_version SET version = version + 1');
  await client.end();
  try {
    await PostgresJobStore.open(url);
    assert.unreachable('opened a schema newer than it knows');
  } catch (err) {
    assert.match(
      (err as Error).message,
      /schema is version \d+, newer than this App knows .*upgrade this one/,
    );
  }
});

schema(
  'run files are kept for other replicas and removed with the run, or once past the retention age',
  async () => {
    cluster ??= await startPostgres();
    const url = cluster.database('run_files');
    const [a, b] = [await PostgresJobStore.open(url), await PostgresJobStore.open(url)];
    try {
      await a.accept(delivery(), 'push', build('r', sha()));
      const q = await a.claim();
      assert.ok(q);
      const body = randomBytes(1000);
      await a.saveRunFiles(q.runId, [
        { name: 'result.json', body: Buffer.from('{}') },
        { name: 'artifacts/bin/tool', body },
      ]);
      const files = await b.runFiles(q.runId);
      assert.equal(
        files.map((f) => f.name),
        ['artifacts/bin/tool', 'result.json'],
      );
      assert.ok(files[0]?.body.equals(body));
      await a.finished(q.seq, '{}');
      await a.done(q.seq);
      await b.forget(q.runId);
      assert.equal(await a.runFiles(q.runId), []);
      await a.accept(delivery(), 'push', build('r', sha()));
      const old = await a.claim();
      assert.ok(old);
      await a.saveRunFiles(old.runId, [{ name: 'result.json', body: Buffer.from('{}') }]);
      await a.finished(old.seq, '{}');
      await a.done(old.seq);
      assert.equal(await b.forgetFinishedBefore(Date.now() - 86_400_000), [], 'kept: not old yet');
      assert.equal(await b.forgetFinishedBefore(Date.now() + 60_000), [old.runId]);
      assert.equal(await a.runFiles(old.runId), []);
      assert.is(await a.byRunId(old.runId), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

sqlite.run();
postgres.run();
schema.after(async () => {
  await cluster?.stop();
});
schema.run();
