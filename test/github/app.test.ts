// The App end to end against the API double: published example payloads in, check runs out, every
// request checked against GitHub's OpenAPI description.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OWNER, REPO } from '../helpers/app-fixture-repo.js';
import { completed, startHarness, waitUntil, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

let h: Harness;

test.before(async () => {
  h = await startHarness();
});
test.after(async () => {
  await h.close();
});
test.after.each(() => {
  // uvu does not print a hook's failure: say what the double saw before failing.
  const problems = h.double.problems.splice(0);
  if (problems.length) console.error(`API double problems:\n${problems.join('\n')}`);
  assert.equal(problems, [], "every request matches GitHub's OpenAPI description");
});

const EXAMPLE_PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const EXAMPLE_PR_BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

/** pull_request.<action> from the examples, pointed at a head only reachable as refs/pull/N/head of a fork. */
function pullRequest(action: string, head: string, number: number): Record<string, unknown> {
  const p = retarget(example('pull_request', action), {
    [EXAMPLE_PR_HEAD]: head,
    [EXAMPLE_PR_BASE]: h.repo.baseSha,
  });
  const pr = p.pull_request as { head: { repo: { id: number; full_name: string; fork: boolean } } };
  pr.head.repo = { ...pr.head.repo, id: 999, full_name: `forker/${REPO}`, fork: true };
  p.number = number;
  return p;
}

test('a fork pull request gets one check run: queued, in progress, completed success', async () => {
  const sha = h.repo.commit({ build: 'make', ref: 'refs/pull/2/head' });
  const r = await deliver(h.app.url, 'pull_request', pullRequest('opened', sha, 2));
  assert.is(r.status, 202, r.body);
  const [run] = await h.waitForRuns(sha, completed());
  assert.ok(run);
  assert.is(run.name, 'contractor');
  assert.is(run.conclusion, 'success');
  assert.equal(
    run.updates.map((u) => u.status ?? '-'),
    ['queued', 'in_progress', 'completed'],
  );
  assert.match(
    run.details_url ?? '',
    new RegExp(`^${h.app.url}/runs/\\d{8}T\\d{6}Z-[0-9a-f]{32}$`),
  );
  assert.match(run.output?.summary ?? '', /dist\/hello\.txt/);
  assert.match(run.output?.summary ?? '', /[0-9a-f]{64}/);
  assert.match(run.output?.summary ?? '', /\| network \| registry\.npmjs\.org \|/);
  const seen = h.seen.find((s) => s.request.commit === sha);
  assert.ok(seen, 'the executor was asked to build the head');
  assert.ok(seen.files.includes('change.txt'));
  assert.not.ok(
    seen.files.some((f) => f.startsWith('.git/')),
    'no .git in the source',
  );
});

test('the head can only narrow the base branch policy: allowlist and limits', async () => {
  const sha = h.repo.commit({
    build: 'make',
    allow: ['registry.npmjs.org'],
    wall: '20m',
    ref: 'refs/pull/5/head',
  });
  await deliver(h.app.url, 'pull_request', pullRequest('synchronize', sha, 5));
  await h.waitForRuns(sha, completed());
  const req = h.seen.find((s) => s.request.commit === sha)?.request;
  assert.ok(req);
  assert.equal(req.policy.allow, ['registry.npmjs.org']);
  assert.is(req.policy.limits.wallMs, 10 * 60_000, 'wall 20m asked, base allows 10m');
  assert.is(req.policy.limits.memoryBytes, 1024 ** 3, "the base's memory ceiling applies");
  assert.match(req.policy.source, /Hello-World@master:\.contractor\.yaml/);
});

test('a head asking for a host the base does not allow fails, naming it', async () => {
  const sha = h.repo.commit({
    build: 'make',
    allow: ['evil.example.com'],
    ref: 'refs/pull/6/head',
  });
  await deliver(h.app.url, 'pull_request', pullRequest('reopened', sha, 6));
  const [run] = await h.waitForRuns(sha, completed());
  assert.is(run?.conclusion, 'failure');
  assert.match(run?.output?.summary ?? '', /evil\.example\.com/);
  assert.not.ok(
    h.seen.some((s) => s.request.commit === sha),
    'nothing was built',
  );
});

test('a head that deletes the spec fails instead of switching the gate off', async () => {
  const sha = h.repo.commit({ build: '', noSpec: true, ref: 'refs/pull/7/head' });
  await deliver(h.app.url, 'pull_request', pullRequest('opened', sha, 7));
  const [run] = await h.waitForRuns(sha, completed());
  assert.is(run?.conclusion, 'failure');
  assert.match(run?.output?.title ?? '', /\.contractor\.yaml is missing/);
});

test('an invalid head spec fails with an annotation at its line', async () => {
  h.repo.work.git('checkout', '-q', '--detach', h.repo.baseSha);
  h.repo.work.write('.contractor.yaml', 'build: make\nlimits:\n  wall: forever\n');
  const sha = h.repo.work.commitAll('bad spec');
  h.repo.work.git('push', '-q', h.repo.bare, 'HEAD:refs/pull/8/head');
  await deliver(h.app.url, 'pull_request', pullRequest('opened', sha, 8));
  const [run] = await h.waitForRuns(sha, completed());
  assert.is(run?.conclusion, 'failure');
  const a = run?.annotations[0] as { path: string; start_line: number } | undefined;
  assert.is(a?.path, '.contractor.yaml');
  assert.is(a?.start_line, 3);
});

test('a head spec too big to be one fails by its size, unread, with an annotation', async () => {
  h.repo.work.git('checkout', '-q', '--detach', h.repo.baseSha);
  const huge = `build: make\n#${'x'.repeat(1024 * 1024)}\n`;
  h.repo.work.write('.contractor.yaml', huge);
  const sha = h.repo.work.commitAll('huge spec');
  h.repo.work.git('push', '-q', h.repo.bare, 'HEAD:refs/pull/9/head');
  await deliver(h.app.url, 'pull_request', pullRequest('opened', sha, 9));
  const [run] = await h.waitForRuns(sha, completed());
  assert.is(run?.conclusion, 'failure');
  assert.match(run?.output?.title ?? '', /\.contractor\.yaml is invalid/);
  const a = run?.annotations[0] as
    { path: string; start_line: number; message: string } | undefined;
  assert.is(a?.path, '.contractor.yaml');
  assert.ok(a?.message.includes(`spec is ${huge.length} bytes; the limit is 1 MiB`), a?.message);
  assert.not.ok(
    h.seen.some((s) => s.request.commit === sha),
    'nothing was built',
  );
});

test('push: the new tip of a branch is built; a deleted ref and a tag are not', async () => {
  const sha = h.repo.commit({ build: 'make', ref: 'refs/heads/feature-push' });
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    {
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
    },
  );
  const r = await deliver(h.app.url, 'push', p);
  assert.is(r.status, 202);
  assert.match(r.body, /"queued"/);
  const [run] = await h.waitForRuns(sha, completed());
  assert.is(run?.conclusion, 'success');
  const deleted = await deliver(
    h.app.url,
    'push',
    example('push', null, (x) => x.deleted === true),
  );
  assert.match(deleted.body, /"ignored"/);
  const tag = await deliver(
    h.app.url,
    'push',
    example('push', null, (x) => x.deleted === false && String(x.ref).startsWith('refs/tags/')),
  );
  assert.match(tag.body, /"ignored"/);
});

test('check_suite requested for an already built sha is covered; rerequested builds again', async () => {
  const sha = h.repo.commit({ build: 'make', ref: 'refs/heads/suite' });
  const requested = retarget(example('check_suite', 'requested'), {
    f95f852bd8fca8fcc58a9a2d6c842781e32a215e: sha,
  });
  assert.match((await deliver(h.app.url, 'check_suite', requested)).body, /"queued"/);
  await h.waitForRuns(sha, completed(1));
  assert.match((await deliver(h.app.url, 'check_suite', requested)).body, /"covered"/);
  // The rerequested example lists a pull request; its head is our sha, its base the fixture's base.
  const again = retarget(example('check_suite', 'rerequested'), {
    [EXAMPLE_PR_HEAD]: sha,
    [EXAMPLE_PR_BASE]: h.repo.baseSha,
  });
  h.repo.work.git('push', '-q', '-f', h.repo.bare, `${sha}:refs/pull/2/head`);
  assert.match((await deliver(h.app.url, 'check_suite', again)).body, /"queued"/);
  const runs = await h.waitForRuns(sha, completed(2));
  assert.is(runs.length, 2);
  assert.ok(runs.every((r) => r.conclusion === 'success'));
});

test("check_run rerequested makes a new check run on the same sha; other apps' runs are ignored", async () => {
  const sha = h.repo.commit({ build: 'make', ref: 'refs/heads/rerun' });
  const base = example('check_run', 'rerequested');
  const foreign = await deliver(h.app.url, 'check_run', base);
  assert.match(foreign.body, /not ours/);
  const ours = retarget(base, {
    d6fde92930d4715a2b49857d24b940956b26d2d3: sha,
    '"name":"randscape"': '"name":"contractor"',
  });
  assert.match((await deliver(h.app.url, 'check_run', ours)).body, /"queued"/);
  const runs = await h.waitForRuns(sha, completed(1));
  assert.is(runs.length, 1);
  assert.match(
    (await deliver(h.app.url, 'check_run', ours)).body,
    /"queued"/,
    'a new delivery: another re-run',
  );
  assert.is((await h.waitForRuns(sha, completed(2))).length, 2);
});

test('conclusions block the merge: violation, failure, wall limit, infrastructure error', async () => {
  const cases = [
    { build: 'violate 2', conclusion: 'failure', title: /^violation/ },
    { build: 'exit 2', conclusion: 'failure', title: /^failed: build exited with 2/ },
    { build: 'over-wall', conclusion: 'timed_out', title: /^timed out/ },
    {
      build: 'crash',
      conclusion: 'failure',
      title: /^infrastructure error: .*manager closed the connection/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const sha = h.repo.commit({ build: c.build, ref: `refs/heads/outcome-${i}` });
    const p = retarget(
      example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
      {
        '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
      },
    );
    await deliver(h.app.url, 'push', p);
    const [run] = await h.waitForRuns(sha, completed());
    assert.is(run?.conclusion, c.conclusion, c.build);
    assert.match(run?.output?.title ?? '', c.title);
  }
});

test('120 violations: annotations go 50 per request, the last request completes the run', async () => {
  const sha = h.repo.commit({ build: 'violate 120', ref: 'refs/heads/many' });
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    {
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
    },
  );
  await deliver(h.app.url, 'push', p);
  const [run] = await h.waitForRuns(sha, completed());
  assert.ok(run);
  const batches = run.updates
    .map((u) => (u.output as { annotations?: unknown[] } | undefined)?.annotations?.length ?? 0)
    .filter((n) => n > 0);
  assert.equal(batches, [50, 50, 20]);
  assert.is(run.annotations.length, 120);
  assert.is(run.updates.at(-1)?.status, 'completed');
  assert.match(
    run.output?.summary ?? '',
    /\| network \| build \| evil-0\.example\.com:443 \| CONNECT .*\\<b\\>\\\|pipe\\\|/,
  );
});

test('an annotation batch GitHub applied but whose reply was lost is not sent again', async () => {
  const sha = h.repo.commit({ build: 'violate 120', ref: 'refs/heads/lost-reply' });
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    {
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
    },
  );
  let lost = 0;
  h.double.loseReply = (op, body) => {
    const batch = (body as { output?: { annotations?: unknown[] } } | undefined)?.output
      ?.annotations;
    if (op !== 'checks/update' || !batch || lost) return undefined;
    lost++;
    return 502;
  };
  try {
    await deliver(h.app.url, 'push', p);
    const [run] = await h.waitForRuns(sha, completed());
    assert.ok(run);
    assert.is(lost, 1, 'the first batch landed and its reply was lost');
    assert.is(run.annotations.length, 120, 'each annotation once');
    assert.is(run.updates.filter((u) => u.status === 'completed').length, 1);
  } finally {
    h.double.loseReply = undefined;
  }
});

test('forged, malformed, oversized and replayed deliveries', async () => {
  const p = example('pull_request', 'opened');
  const forged = await deliver(h.app.url, 'pull_request', p, { secret: 'not the secret' });
  assert.is(forged.status, 401);
  const unsigned = await deliver(h.app.url, 'pull_request', p, { signature: '' });
  assert.is(unsigned.status, 401);
  assert.is((await deliver(h.app.url, 'pull_request', '{"action": "opened",')).status, 400);
  assert.is(
    (await deliver(h.app.url, 'pull_request', { action: 'opened', number: 'two' })).status,
    400,
  );
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
  assert.is((await deliver(h.app.url, 'pull_request', big)).status, 413);
  assert.is(
    (
      await deliver(h.app.url, 'pull_request', p, {
        contentType: 'application/x-www-form-urlencoded',
      })
    ).status,
    415,
  );
  const sha = h.repo.commit({ build: 'make', ref: 'refs/pull/9/head' });
  const delivery = 'replayed-0000-0000-0000-000000000009';
  const first = await deliver(h.app.url, 'pull_request', pullRequest('opened', sha, 9), {
    delivery,
  });
  const replay = await deliver(h.app.url, 'pull_request', pullRequest('opened', sha, 9), {
    delivery,
  });
  assert.is(first.status, 202);
  assert.is(replay.status, 200);
  assert.match(replay.body, /"duplicate"/);
  await h.waitForRuns(sha, completed());
  await new Promise((r) => setTimeout(r, 200));
  assert.is(h.double.runsFor(sha).length, 1);
});

test('the installation token fetches the source and goes nowhere else', async () => {
  const tokens = [...h.double.issuedTokens.keys()];
  assert.ok(tokens.length > 0);
  assert.ok(h.double.gitRequests.length > 0);
  assert.ok(h.double.gitRequests.every((g) => g.authorized));
  for (const s of h.seen) {
    const request = JSON.stringify({
      ...s.request,
      source: undefined,
      onEvent: undefined,
      signal: undefined,
    });
    for (const t of tokens) {
      assert.not.ok(request.includes(t), 'token in the job request');
      assert.not.ok(s.sourceText.includes(t), 'token in the source tar');
    }
  }
  const cache = join(h.dataDir, 'git', OWNER.toLowerCase(), `${REPO.toLowerCase()}.git`);
  const config = readFileSync(join(cache, 'config'), 'utf8');
  assert.not.ok(config.includes('x-access-token'));
  assert.not.ok(config.toLowerCase().includes('extraheader'));
  for (const t of tokens) {
    let leaked = '';
    try {
      leaked = execFileSync('grep', ['-rl', '--binary-files=text', '-e', t, h.dataDir], {
        encoding: 'utf8',
      });
    } catch {
      // grep exits 1 when nothing matches.
    }
    assert.is(leaked, '', 'no file of the App holds the token');
  }
});

test('a payload without an installation is resolved through GET /repos/{owner}/{repo}/installation', async () => {
  await waitUntil(
    () => h.double.requests.some((r) => r.operationId === 'apps/get-repo-installation'),
    undefined,
    'lookup',
  );
});

test.run();
