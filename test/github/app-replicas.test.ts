// Three App replicas on one PostgreSQL behind no coordinator but the database: webhooks spread over
// them, one SIGKILLed mid-build; every head still ends with exactly one check run, completed once.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { APP_ID, waitUntil } from '../helpers/app-harness.js';
import { appKeys } from '../helpers/app-keys.js';
import { spawnApp, type AppProcess } from '../helpers/app-process-control.js';
import { GitHubDouble } from '../helpers/github-double.js';
import { startPostgres } from '../helpers/postgres-cluster.js';
import { tempDir } from '../helpers/tmp.js';
import { deliver, example, retarget, TEST_SECRET } from '../helpers/webhook-examples.js';

const PUSH_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const LEASE_MS = 3000;

function fetchPage(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('three replicas, 30 webhooks, one SIGKILLed mid-build: one check run per head, completed once, pages on every survivor', async () => {
  const tmp = tempDir('contractor-replicas-');
  const pg = await startPostgres();
  const keys = appKeys();
  const double = await GitHubDouble.start({
    appId: APP_ID,
    publicKey: keys.publicKey,
    gitRoot: tmp.path,
  });
  const replicas: AppProcess[] = [];
  // Only the first replica's builds hold at the gate: it is the one killed with a build running.
  const gate = join(tmp.path, 'gate');
  const config = (i: number) => ({
    appId: APP_ID,
    privateKeyPem: keys.privateKeyPem,
    secret: TEST_SECRET,
    apiUrl: double.apiUrl,
    gitUrl: double.url,
    dataDir: join(tmp.path, `app-${i}`),
    port: 0,
    buildMs: 300,
    concurrency: 2,
    database: pg.url,
    leaseMs: LEASE_MS,
    ...(i === 0 ? { gateFile: gate } : {}),
  });
  try {
    for (let i = 0; i < 3; i++) replicas.push(await spawnApp(config(i), tmp.path));
    const push = example('push', null, (x) => Boolean(x.installation) && x.deleted === false);
    const shas = Array.from({ length: 30 }, () => randomBytes(20).toString('hex'));
    const pushOf = (sha: string) => ({
      ...retarget(push, { [PUSH_SHA]: sha }),
      ref: `refs/heads/b-${sha}`,
    });
    const done = () => double.checkRuns.filter((r) => r.status === 'completed').length;
    for (const [n, sha] of shas.entries()) {
      const r = await deliver((replicas[n % 3] as AppProcess).url, 'push', pushOf(sha));
      assert.is(r.status, 202);
      if (n === 5) writeFileSync(gate, '');
    }
    await waitUntil(() => existsSync(`${gate}.held`), 120_000, 'a build held on the first replica');
    const held = readFileSync(`${gate}.held`, 'utf8').trim().split('\n');
    await (replicas[0] as AppProcess).kill();
    assert.ok(done() < shas.length, 'builds were still to come when the replica died');
    const survivors = replicas.slice(1);
    await waitUntil(
      () => done() >= shas.length,
      180_000,
      'every head to complete on the survivors',
    );
    // Long enough for a lapsed lease to have produced a second report, were one possible.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    for (const sha of shas) {
      const runs = double.runsFor(sha);
      assert.is(runs.length, 1, `one check run for ${sha}`);
      assert.is(runs[0]?.status, 'completed');
      assert.is(runs[0]?.conclusion, 'success', `${sha}: ${runs[0]?.output?.summary}`);
      assert.is(
        runs[0]?.updates.filter((u) => u.status === 'completed').length,
        1,
        `${sha} completed once`,
      );
    }
    // The build the dead replica held was taken over and built again on a survivor.
    for (const sha of held) assert.is(double.runsFor(sha)[0]?.conclusion, 'success');
    assert.match(
      survivors.map((s) => s.stderr()).join(''),
      /took over \d+ job\(s\) whose lease lapsed: [1-9]\d* re-queued/,
    );
    for (const sha of shas) {
      const runId = /\/runs\/([^/]+)$/.exec(double.runsFor(sha)[0]?.details_url ?? '')?.[1];
      assert.ok(runId, `${sha}: the check run links its report`);
      for (const s of survivors) {
        const page = await fetchPage(`${s.url}/runs/${runId}`);
        assert.is(page.status, 200, `${sha} on ${s.url}`);
        assert.match(page.body, /passed/);
        assert.is((await fetchPage(`${s.url}/runs/${runId}/log.txt`)).status, 200);
      }
    }
    assert.equal(double.problems, []);
  } finally {
    for (const r of replicas) await r.kill();
    await double.close();
    await pg.stop();
    tmp.remove();
  }
});

test.run();
