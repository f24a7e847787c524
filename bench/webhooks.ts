// 200 webhooks at 50 per second against the App in its own process: all acknowledged, the p99
// acknowledgement latency, then SIGKILL with jobs queued and a restart: none lost, none doubled.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { APP_ID, waitUntil } from '../test/helpers/app-harness.js';
import { appKeys } from '../test/helpers/app-keys.js';
import { spawnApp } from '../test/helpers/app-process-control.js';
import { GitHubDouble } from '../test/helpers/github-double.js';
import { tempDir } from '../test/helpers/tmp.js';
import {
  deliver,
  example,
  retarget,
  TEST_SECRET,
  type Delivered,
} from '../test/helpers/webhook-examples.js';
import type { BenchFigure } from './measure.js';
import { runWebhookStoresBench } from './webhook-stores.js';

const WEBHOOKS = 200;
const PER_SECOND = 50;
const PUSH_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

export async function runWebhookBench(): Promise<BenchFigure[]> {
  const tmp = tempDir('contractor-bench-webhooks-');
  const keys = appKeys();
  const double = await GitHubDouble.start({
    appId: APP_ID,
    publicKey: keys.publicKey,
    gitRoot: tmp.path,
  });
  const config = {
    appId: APP_ID,
    privateKeyPem: keys.privateKeyPem,
    secret: TEST_SECRET,
    apiUrl: double.apiUrl,
    gitUrl: double.url,
    dataDir: join(tmp.path, 'app'),
    port: 0,
    buildMs: 200,
    concurrency: 4,
  };
  try {
    const first = await spawnApp(config, tmp.path);
    const push = example('push', null, (x) => Boolean(x.installation) && x.deleted === false);
    const shas = Array.from({ length: WEBHOOKS }, () => randomBytes(20).toString('hex'));
    const started = performance.now();
    const sends: Promise<Delivered>[] = [];
    const sentAt = new Map<string, number>();
    for (const [i, sha] of shas.entries()) {
      // An open-loop schedule: each delivery leaves at its slot, whether or not earlier ones were answered.
      const due = started + (i * 1000) / PER_SECOND;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      // One branch each: a newer push to one branch would supersede the build before it.
      const payload = { ...retarget(push, { [PUSH_SHA]: sha }), ref: `refs/heads/bench-${i}` };
      sentAt.set(sha, Date.now());
      sends.push(deliver(first.url, 'push', payload));
    }
    const answers = await Promise.all(sends);
    const acceptedPerSecond = (answers.length * 1000) / (performance.now() - started);
    // Webhook sent to check run completed, for the builds that finished before the SIGKILL.
    const toConclusion = shas.flatMap((sha) => {
      const at = double.runsFor(sha)[0]?.completed_at;
      return at ? [Date.parse(at) - (sentAt.get(sha) ?? 0)] : [];
    });
    const acked = answers.filter((a) => a.status === 202).length;
    const completedBeforeKill = double.checkRuns.filter((r) => r.status === 'completed').length;
    await first.kill();
    const second = await spawnApp({ ...config, port: first.port }, tmp.path);
    const done = () => double.checkRuns.filter((r) => r.status === 'completed').length;
    await waitUntil(() => done() >= WEBHOOKS, 180_000, 'every build after the restart');
    await new Promise((r) => setTimeout(r, 1000));
    await second.kill();
    const lost = shas.filter((s) => double.runsFor(s).length === 0).length;
    const doubled = shas.filter(
      (s) =>
        double.runsFor(s).length > 1 ||
        double.runsFor(s).some((r) => r.updates.filter((u) => u.status === 'completed').length > 1),
    ).length;
    const ms = answers.map((a) => a.ms);
    return [
      {
        name: 'webhooks acknowledged (202)',
        value: acked,
        unit: `of ${WEBHOOKS}`,
        goal: `${WEBHOOKS}`,
        met: acked === WEBHOOKS,
      },
      { name: 'webhooks accepted per second (offered 50/s)', value: acceptedPerSecond, unit: '/s' },
      { name: 'ack latency p50', value: percentile(ms, 50), unit: 'ms' },
      {
        name: 'webhook to conclusion p50 (200 ms builds, 4 at once)',
        value: percentile(toConclusion, 50),
        unit: 'ms',
      },
      { name: 'webhook to conclusion p99', value: percentile(toConclusion, 99), unit: 'ms' },
      {
        name: 'ack latency p99',
        value: percentile(ms, 99),
        unit: 'ms',
        goal: '< 10000 ms (GitHub)',
        met: percentile(ms, 99) < 10_000,
      },
      { name: 'ack latency max', value: Math.max(...ms), unit: 'ms' },
      // The first deliveries pay for JIT warm-up, and the double compiling its schemas in this process.
      {
        name: 'ack latency p99 after the first 10',
        value: percentile(ms.slice(10), 99),
        unit: 'ms',
      },
      { name: 'builds completed before SIGKILL', value: completedBeforeKill, unit: 'jobs' },
      {
        name: 'lost after SIGKILL + restart',
        value: lost,
        unit: 'jobs',
        goal: '0',
        met: lost === 0,
      },
      {
        name: 'doubled after SIGKILL + restart',
        value: doubled,
        unit: 'jobs',
        goal: '0',
        met: doubled === 0,
      },
      {
        name: 'OpenAPI problems seen by the double',
        value: double.problems.length,
        unit: '',
        goal: '0',
        met: double.problems.length === 0,
      },
      // SQLite, PostgreSQL with one replica and with three, measured one after another in this run.
      ...(await runWebhookStoresBench()),
    ];
  } finally {
    await double.close();
    tmp.remove();
  }
}
