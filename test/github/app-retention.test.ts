// Finished runs are kept --keep-days and within --keep-size, the oldest removed first; a delivery
// id is remembered as long as GitHub can redeliver it, and no longer.
import { lstatSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pruneRuns } from '../../src/github/run-retention.js';
import { completed, startHarness, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

const DAY = 24 * 3_600_000;
const HUGE = 1024 ** 4;

let h: Harness;
test.before(async () => {
  h = await startHarness();
});
test.after(async () => {
  await h.close();
});

function pushOf(sha: string, ref: string): Record<string, unknown> {
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha },
  );
  p.ref = ref;
  return p;
}

/** One real run through the App: its check run completed, its run id. */
async function finishedRun(branch: string): Promise<string> {
  const sha = h.repo.commit({ build: 'make', ref: `refs/heads/${branch}` });
  assert.is((await deliver(h.app.url, 'push', pushOf(sha, `refs/heads/${branch}`))).status, 202);
  const [run] = await h.waitForRuns(sha, completed());
  const runId = /\/runs\/([^/]+)$/.exec(run?.details_url ?? '')?.[1];
  assert.ok(runId, 'the check run links its report');
  // Done once the App recorded the completion, not only once GitHub shows it.
  for (let i = 0; (await h.app.queue.byRunId(runId))?.state !== 'done'; i++) {
    if (i > 3000) throw new Error('the job never reached done');
    await new Promise((r) => setTimeout(r, 20));
  }
  return runId;
}

/** Makes a run look finished `days` ago, as its files' times say. */
function age(runId: string, days: number): void {
  const when = new Date(Date.now() - days * DAY);
  const dir = join(h.dataDir, 'runs', runId);
  for (const f of readdirSync(dir)) utimesSync(join(dir, f), when, when);
  utimesSync(dir, when, when);
}

const runsLeft = () => readdirSync(join(h.dataDir, 'runs')).sort();

test('runs older than --keep-days go; newer ones and their report pages stay', async () => {
  const old = await finishedRun('retention-old');
  const recent = await finishedRun('retention-recent');
  age(old, 40);
  age(recent, 10);
  const removed = await pruneRuns(join(h.dataDir, 'runs'), h.app.queue, {
    keepDays: 30,
    keepBytes: HUGE,
  });
  assert.equal(removed, [old]);
  assert.ok(!runsLeft().includes(old));
  assert.ok(runsLeft().includes(recent));
  assert.is((await fetch(`${h.app.url}/runs/${old}`)).status, 404);
  assert.is((await fetch(`${h.app.url}/runs/${recent}`)).status, 200);
});

/** The bytes of a run's files, as `du --apparent-size` would count them without directories. */
function bytesOf(runId: string): number {
  const dir = join(h.dataDir, 'runs', runId);
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (!e.isDirectory()) total += lstatSync(join(e.parentPath, e.name)).size;
  return total;
}

test('past --keep-size the oldest runs go first, until the rest fit', async () => {
  const runs = join(h.dataDir, 'runs');
  const before = runsLeft();
  const a = await finishedRun('size-a');
  const b = await finishedRun('size-b');
  const c = await finishedRun('size-c');
  // Finished in this order, a day apart, all inside --keep-days.
  const order = [...before, a, b, c];
  order.forEach((id, i) => age(id, order.length - i));
  const removed = await pruneRuns(runs, h.app.queue, {
    keepDays: 30,
    keepBytes: bytesOf(b) + bytesOf(c),
  });
  assert.equal(removed, [...before, a]);
  assert.equal(runsLeft(), [b, c].sort());
  assert.is(await h.app.queue.byRunId(a), undefined);
  assert.is((await h.app.queue.byRunId(b))?.state, 'done');
});

test('a run still building is never removed, however old or large', async () => {
  const sha = h.repo.commit({ build: 'hang', ref: 'refs/heads/retention-building' });
  await deliver(h.app.url, 'push', pushOf(sha, 'refs/heads/retention-building'));
  const seen = await (async () => {
    for (let i = 0; i < 3000; i++) {
      const s = h.seen.find((x) => x.request.commit === sha);
      if (s) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the build never started');
  })();
  const runId = seen.request.id;
  const removed = await pruneRuns(
    join(h.dataDir, 'runs'),
    h.app.queue,
    { keepDays: 0, keepBytes: 0 },
    Date.now() + 365 * DAY,
  );
  assert.not.ok(removed.includes(runId));
  assert.is((await h.app.queue.byRunId(runId))?.state, 'running');
});

test.run();
