// One busy repository cannot starve the others: repositories take turns at free slots, and no
// more than --per-repository builds of one run at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureRepo, REPO } from '../helpers/app-fixture-repo.js';
import { completed, startHarness, waitUntil } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

const PUSH_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

/** A push of sha to its own branch (so nothing supersedes it), of Hello-World or another repository. */
function pushOf(sha: string, repo = REPO, id?: number): Record<string, unknown> {
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { [PUSH_SHA]: sha, [REPO]: repo },
  );
  p.ref = `refs/heads/b-${sha.slice(0, 12)}`;
  if (id !== undefined) (p.repository as { id: number }).id = id;
  return p;
}

test('a second repository push is built at the next free slot, ahead of the busy one still queued', async () => {
  const h = await startHarness({ concurrency: 2, perRepository: 2 });
  try {
    const busy = Array.from({ length: 6 }, (_, i) =>
      h.repo.commit({ build: 'sleep-ms 1500', ref: `refs/heads/busy-${i}` }),
    );
    for (const sha of busy) assert.is((await deliver(h.app.url, 'push', pushOf(sha))).status, 202);
    const other = fixtureRepo(h.gitRoot, 'Other');
    const sha = other.commit({ build: 'make', ref: 'refs/heads/main' });
    assert.is((await deliver(h.app.url, 'push', pushOf(sha, 'Other', 4242))).status, 202);
    const [run] = await h.waitForRuns(sha, completed());
    assert.is(run?.conclusion, 'success', run?.output?.summary);
    const waiting = busy.filter((b) => h.double.runsFor(b)[0]?.status === 'queued');
    assert.ok(waiting.length >= 2, `only ${waiting.length} busy pushes were still queued`);
    await waitUntil(() => busy.every((b) => completed()(h.double.runsFor(b))), 120_000, 'the rest');
    other.work.remove();
    assert.equal(h.double.problems, []);
  } finally {
    await h.close();
  }
});

test('at most --per-repository builds of one repository run at once, though slots are free', async () => {
  const h = await startHarness({ concurrency: 3, perRepository: 2 });
  try {
    const shas = Array.from({ length: 4 }, (_, i) =>
      h.repo.commit({ build: 'sleep-ms 1500', ref: `refs/heads/cap-${i}` }),
    );
    for (const sha of shas) await deliver(h.app.url, 'push', pushOf(sha));
    let most = 0;
    await waitUntil(
      () => {
        const now = shas.filter((s) => h.double.runsFor(s)[0]?.status === 'in_progress').length;
        most = Math.max(most, now);
        return shas.every((s) => completed()(h.double.runsFor(s)));
      },
      120_000,
      'every build',
    );
    assert.is(most, 2);
    assert.equal(h.double.problems, []);
  } finally {
    await h.close();
  }
});

test.run();
