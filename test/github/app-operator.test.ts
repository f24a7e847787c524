// Only the operator widens, end to end: a repository owner's default-branch spec cannot open the
// metadata service or the App's own port; other accounts' installations are not built; a pass under
// a looser base does not stand in for a stricter one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRepositoryPolicies } from '../../src/github/repository-policies.js';
import { completed, startHarness, waitUntil, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

// The repository of the published examples, Codertocat/Hello-World.
const EXAMPLE_REPO_ID = 186853002;
const EXAMPLE_PUSH_AFTER = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const EXAMPLE_PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const EXAMPLE_PR_BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

function pushOf(sha: string, branch: string): Record<string, unknown> {
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { [EXAMPLE_PUSH_AFTER]: sha },
  );
  return { ...p, ref: `refs/heads/${branch}` };
}

/** The default branch's owner allows the metadata service and the App's own loopback port, and a head asks for them. */
async function ownerAllowsInternals(
  h: Harness,
  branch: string,
): Promise<{ sha: string; wanted: string[] }> {
  const appPort = new URL(h.app.url).port;
  const wanted = ['registry.npmjs.org', '169.254.169.254:80', `127.0.0.1:${appPort}`];
  h.repo.commit({ build: 'make', allow: wanted, ref: 'refs/heads/master' });
  const sha = h.repo.commit({ build: 'make', allow: wanted, ref: `refs/heads/${branch}` });
  return { sha, wanted };
}

test("a default-branch spec allowing 169.254.169.254:80 and the App's port gets neither; the check run says why", async () => {
  const h = await startHarness();
  try {
    const { sha } = await ownerAllowsInternals(h, 'internals');
    assert.is((await deliver(h.app.url, 'push', pushOf(sha, 'internals'))).status, 202);
    const [run] = await h.waitForRuns(sha, completed());
    assert.is(run?.conclusion, 'failure');
    const summary = run?.output?.summary ?? '';
    assert.match(summary, /169\.254\.169\.254:80/);
    assert.match(summary, new RegExp(`127\\.0\\.0\\.1:${new URL(h.app.url).port}`));
    assert.match(summary, /operator's repositories file/);
    assert.not.ok(
      h.seen.some((s) => s.request.commit === sha),
      'nothing was built',
    );
  } finally {
    await h.close();
  }
});

test("addresses named exactly in the operator's entry (matched by name and id) are granted", async () => {
  const allowed = ['registry.npmjs.org', '169.254.169.254:80', '127.0.0.1:8125'];
  const policies = parseRepositoryPolicies(
    `repositories:\n  codertocat/hello-world:\n    id: ${EXAMPLE_REPO_ID}\n` +
      `    network: {allow: ${JSON.stringify(allowed)}}\n`,
    'repos.yaml',
  );
  const h = await startHarness({ policies });
  try {
    h.repo.commit({ build: 'make', allow: allowed, ref: 'refs/heads/master' });
    const sha = h.repo.commit({ build: 'make', allow: allowed, ref: 'refs/heads/granted' });
    await deliver(h.app.url, 'push', pushOf(sha, 'granted'));
    const [run] = await h.waitForRuns(sha, completed());
    assert.is(run?.conclusion, 'success', run?.output?.summary);
    const seen = h.seen.find((s) => s.request.commit === sha);
    assert.equal(seen?.request.policy.allow.sort(), [...allowed].sort());
  } finally {
    await h.close();
  }
});

test('an installation on an account not in --allow-owner is acknowledged, logged and not built', async () => {
  const h = await startHarness({
    policies: { ...parseRepositoryPolicies('{}', 'repos.yaml'), owners: ['octo-org'] },
  });
  try {
    const sha = h.repo.commit({ build: 'make', ref: 'refs/heads/other-owner' });
    const delivered = pushOf(sha, 'other-owner');
    const r = await deliver(h.app.url, 'push', delivered);
    assert.is(r.status, 202);
    assert.match(r.body, /"ignored"/);
    assert.match(r.body, /Codertocat is not an allowed owner/);
    await waitUntil(
      () =>
        h.logs.find((l) => /Codertocat\/Hello-World: .*not an allowed owner.*not built/.test(l)),
      10_000,
      'the log line',
    );
    // A build would have been announced at once; give the dispatcher a few turns to prove it was not.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(h.double.runsFor(sha), []);
    assert.equal(h.seen, []);
  } finally {
    await h.close();
  }
});

test('a pass under the looser default branch does not cover the same sha on a stricter base', async () => {
  const h = await startHarness();
  try {
    const sha = h.repo.commit({
      build: 'make',
      allow: ['registry.npmjs.org'],
      ref: 'refs/heads/topic',
    });
    await deliver(h.app.url, 'push', pushOf(sha, 'topic'));
    const [first] = await h.waitForRuns(sha, completed(1));
    assert.is(first?.conclusion, 'success');
    // A release branch whose owner allows no network at all, and a pull request of the same sha onto it.
    const strict = h.repo.commit({ build: 'make', allow: [], ref: 'refs/heads/release' });
    assert.ok(strict);
    h.repo.work.git('push', '-q', '-f', h.repo.bare, `${sha}:refs/pull/9/head`);
    const pr = retarget(example('pull_request', 'opened'), {
      [EXAMPLE_PR_HEAD]: sha,
      [EXAMPLE_PR_BASE]: strict,
    });
    const pull = pr.pull_request as { base: { ref: string } };
    pull.base.ref = 'release';
    pr.number = 9;
    const r = await deliver(h.app.url, 'pull_request', pr);
    assert.match(r.body, /"queued"/, 'not covered by the pass under master');
    const runs = await h.waitForRuns(sha, completed(2));
    assert.equal(runs.map((x) => x.conclusion).sort(), ['failure', 'success']);
    assert.ok(
      runs.some(
        (x) => /registry\.npmjs\.org/.test(x.output?.summary ?? '') && x.conclusion === 'failure',
      ),
    );
  } finally {
    await h.close();
  }
});

test.run();
