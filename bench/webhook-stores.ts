// The same burst of webhooks against SQLite, PostgreSQL with one replica and with three, side by side:
// how fast webhooks are accepted, and how long from webhook to a concluded check run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { APP_ID, waitUntil } from '../test/helpers/app-harness.js';
import { appKeys } from '../test/helpers/app-keys.js';
import { spawnApp, type AppProcess } from '../test/helpers/app-process-control.js';
import { GitHubDouble } from '../test/helpers/github-double.js';
import { startPostgres } from '../test/helpers/postgres-cluster.js';
import { tempDir } from '../test/helpers/tmp.js';
import { deliver, example, retarget, TEST_SECRET } from '../test/helpers/webhook-examples.js';
import type { BenchFigure } from './measure.js';

const WEBHOOKS = 150;
/** Deliveries in flight at once: a closed loop, so the rate is what the App accepts, not what is offered. */
const SENDERS = 8;
const PUSH_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

interface Setup {
  label: string;
  replicas: number;
  database?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function measure(setup: Setup): Promise<BenchFigure[]> {
  const tmp = tempDir('contractor-bench-stores-');
  const keys = appKeys();
  const double = await GitHubDouble.start({
    appId: APP_ID,
    publicKey: keys.publicKey,
    gitRoot: tmp.path,
  });
  const apps: AppProcess[] = [];
  try {
    for (let i = 0; i < setup.replicas; i++)
      apps.push(
        await spawnApp(
          {
            appId: APP_ID,
            privateKeyPem: keys.privateKeyPem,
            secret: TEST_SECRET,
            apiUrl: double.apiUrl,
            gitUrl: double.url,
            dataDir: join(tmp.path, `app-${i}`),
            port: 0,
            buildMs: 200,
            concurrency: 4,
            database: setup.database,
          },
          tmp.path,
        ),
      );
    const push = example('push', null, (x) => Boolean(x.installation) && x.deleted === false);
    const shas = Array.from({ length: WEBHOOKS }, () => randomBytes(20).toString('hex'));
    const sentAt = new Map<string, number>();
    let next = 0;
    let accepted = 0;
    const started = performance.now();
    const sender = async () => {
      for (let i = next++; i < shas.length; i = next++) {
        const sha = shas[i] as string;
        const payload = { ...retarget(push, { [PUSH_SHA]: sha }), ref: `refs/heads/bench-${i}` };
        sentAt.set(sha, Date.now());
        const r = await deliver((apps[i % apps.length] as AppProcess).url, 'push', payload);
        if (r.status === 202) accepted++;
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const perSecond = (accepted * 1000) / (performance.now() - started);
    const done = () => double.checkRuns.filter((r) => r.status === 'completed').length;
    await waitUntil(() => done() >= WEBHOOKS, 300_000, `every build (${setup.label})`);
    const toConclusion = shas.flatMap((sha) => {
      const at = double.runsFor(sha)[0]?.completed_at;
      return at ? [Date.parse(at) - (sentAt.get(sha) ?? 0)] : [];
    });
    const doubled = shas.filter((s) => double.runsFor(s).length !== 1).length;
    return [
      {
        name: `${setup.label}: webhooks accepted per second (${SENDERS} senders)`,
        value: perSecond,
        unit: '/s',
      },
      {
        name: `${setup.label}: webhook to conclusion p50 (200 ms builds, 4 at once per replica)`,
        value: median(toConclusion),
        unit: 'ms',
      },
      {
        name: `${setup.label}: heads without exactly one check run`,
        value: doubled,
        unit: 'jobs',
        goal: '0',
        met: doubled === 0,
      },
    ];
  } finally {
    for (const a of apps) await a.kill();
    await double.close();
    tmp.remove();
  }
}

export async function runWebhookStoresBench(): Promise<BenchFigure[]> {
  const pg = await startPostgres();
  try {
    const sqlite = await measure({ label: 'SQLite', replicas: 1 });
    const one = await measure({
      label: 'PostgreSQL, 1 replica',
      replicas: 1,
      database: pg.database('bench_one'),
    });
    const three = await measure({
      label: 'PostgreSQL, 3 replicas',
      replicas: 3,
      database: pg.database('bench_three'),
    });
    const ratio = (one[0]?.value ?? 0) / (sqlite[0]?.value ?? Infinity);
    return [
      ...sqlite,
      ...one,
      ...three,
      {
        name: 'PostgreSQL 1 replica / SQLite acceptance rate',
        value: ratio,
        unit: '×',
        goal: '≥ 0.5',
        met: ratio >= 0.5,
      },
    ];
  } finally {
    await pg.stop();
  }
}
