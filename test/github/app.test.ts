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
  assert.equal(h.double.problems, [], 'every request matches GitHub\'s OpenAPI description');
});

const EXAMPLE_PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const EXAMPLE_PR_BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

/** pull_request.<action> from the examples, pointed at a head only reachable as refs/pull/N/head of a fork. */
function pullRequest(action: string, head: string, number: number): Record<string, unknown> {
  const p = retarget(example('pull_request', action), { [EXAMPLE_PR_HEAD]: head, [EXAMPLE_PR_BASE]: h.repo.baseSha });
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
  assert.equal(run.updates.map((u) => u.status ?? '-'), ['queued', 'in_progress', 'completed']);
  assert.match(run.details_url ?? '', new RegExp(`^${h.app.url}/runs/\\d{8}T\\d{6}Z-[0-9a-f]{8}$`));
  assert.match(run.output?.summary ?? '', /dist\/hello\.txt/);
  assert.match(run.output?.summary ?? '', /[0-9a-f]{64}/);
  const seen = h.seen.find((s) => s.request.commit === sha);
  assert.ok(seen, 'the executor was asked to build the head');
  assert.ok(seen.files.includes('change.txt'));
  assert.not.ok(seen.files.some((f) => f.startsWith('.git/')), 'no .git in the source');
});

test.run();
