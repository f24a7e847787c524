// A newer head of a branch or pull request replaces the build of the head before it: queued or
// running, its check run concludes cancelled and its worker is stopped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { completed, startHarness, waitUntil, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

const EXAMPLE_PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const EXAMPLE_PR_BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

let h: Harness;
test.before(async () => {
  h = await startHarness();
});
test.after(async () => {
  await h.close();
});

function synchronize(h: Harness, head: string, number: number): Record<string, unknown> {
  const p = retarget(example('pull_request', 'synchronize'), {
    [EXAMPLE_PR_HEAD]: head,
    [EXAMPLE_PR_BASE]: h.repo.baseSha,
  });
  p.number = number;
  return p;
}

function pushOf(sha: string, ref: string): Record<string, unknown> {
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha },
  );
  p.ref = ref;
  return p;
}

const conclusionOf = (sha: string) => h.double.runsFor(sha)[0]?.conclusion;

test('20 pushes to one pull request in a burst: the running build is stopped, at most 2 heads are built, one check run each', async () => {
  // GitHub keeps only the newest head as refs/pull/7/head; older ones cannot be fetched any more.
  const first = h.repo.commit({ build: 'hang', ref: 'refs/pull/7/head' });
  await deliver(h.app.url, 'pull_request', synchronize(h, first, 7));
  const running = await waitUntil(
    () => h.seen.find((s) => s.request.commit === first),
    60_000,
    'the first head to start building',
  );
  const burst = Array.from({ length: 19 }, () =>
    h.repo.commit({ build: 'sleep-ms 200', ref: 'refs/pull/7/head' }),
  );
  // In the order GitHub sent them, each answered before the next is sent, none waiting for a build.
  for (const sha of burst)
    assert.is((await deliver(h.app.url, 'pull_request', synchronize(h, sha, 7))).status, 202);
  const heads = [first, ...burst];
  await waitUntil(
    () => heads.every((sha) => completed()(h.double.runsFor(sha))),
    120_000,
    'every head to conclude',
  );
  // HardCPULimit across heads: the worker of the replaced head was told to stop.
  assert.ok(running.request.signal?.aborted, 'the running build was not stopped');
  assert.is(conclusionOf(first), 'cancelled');
  const conclusions = heads.map(conclusionOf);
  assert.is(conclusionOf(burst[18]!), 'success');
  assert.is(conclusions.filter((c) => c === 'cancelled').length, 19, conclusions.join(' '));
  for (const sha of heads) assert.is(h.double.runsFor(sha).length, 1);
  const built = new Set(h.seen.map((s) => s.request.commit).filter((c) => heads.includes(c!)));
  assert.ok(built.size <= 2, `${built.size} heads were built`);
  assert.equal(h.double.problems, []);
});

test('a push to another branch does not replace a build; a re-push of a branch does', async () => {
  const a = h.repo.commit({ build: 'hang', ref: 'refs/heads/feature-a' });
  const b = h.repo.commit({ build: 'make', ref: 'refs/heads/feature-b' });
  await deliver(h.app.url, 'push', pushOf(a, 'refs/heads/feature-a'));
  await waitUntil(() => h.seen.find((s) => s.request.commit === a), 60_000, 'a to start');
  await deliver(h.app.url, 'push', pushOf(b, 'refs/heads/feature-b'));
  await h.waitForRuns(b, completed());
  assert.is(conclusionOf(b), 'success');
  assert.is(h.double.runsFor(a)[0]?.status, 'in_progress');
  const a2 = h.repo.commit({ build: 'make', ref: 'refs/heads/feature-a' });
  await deliver(h.app.url, 'push', pushOf(a2, 'refs/heads/feature-a'));
  await h.waitForRuns(a2, completed());
  await h.waitForRuns(a, completed());
  assert.is(conclusionOf(a), 'cancelled');
  assert.match(h.double.runsFor(a)[0]?.output?.summary ?? '', new RegExp(a2.slice(0, 12)));
  assert.is(conclusionOf(a2), 'success');
  assert.equal(h.double.problems, []);
});

test.run();
