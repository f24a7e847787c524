// The trusted side's ceilings: a broken or hostile base spec grants nothing beyond the fallback.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppJob } from '../../src/github/app-job.js';
import { NO_REPOSITORY_POLICIES } from '../../src/github/repository-policies.js';
import { trustedCeiling } from '../../src/github/trusted-policy.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { makeRepo } from '../helpers/git-repo.js';

const job = { owner: 'octo', repo: 'hello' } as AppJob;

/** The ceiling a base branch whose spec is `text` (none when undefined) sets. */
async function ceilingFrom(text: string | undefined) {
  const repo = makeRepo(text === undefined ? { a: '1' } : { '.contractor.yaml': text });
  try {
    const base = repo.commitAll('base');
    const source = { gitDir: join(repo.path, '.git'), trustedRev: base, trustedName: 'main' };
    return await trustedCeiling(job, source, NO_REPOSITORY_POLICIES);
  } finally {
    repo.remove();
  }
}

test("a base spec's allowlist and limits are the ceiling", async () => {
  const c = await ceilingFrom(
    'build: make\nnetwork:\n  allow: [registry.example]\nlimits: {wall: 5m}\n',
  );
  assert.equal(c.policy.allow, ['registry.example']);
  assert.is(c.policy.limits.wallMs, 5 * 60_000);
  assert.is(c.source, 'octo/hello@main:.contractor.yaml');
});

test('no base spec: the built-in default, no network', async () => {
  const c = await ceilingFrom(undefined);
  assert.equal(c.policy, DEFAULT_POLICY);
  assert.is(c.source, 'built-in default (no network)');
});

test('an invalid base spec grants nothing beyond the fallback, and says why', async () => {
  const c = await ceilingFrom(
    'build: make\nnetwork:\n  allow: [registry.example]\nlimits: {wall: forever}\n',
  );
  assert.equal(c.policy, DEFAULT_POLICY);
  assert.match(c.source, /main:\.contractor\.yaml is invalid/);
});

test('a base spec too big to be one is not read, and grants nothing beyond the fallback', async () => {
  const c = await ceilingFrom(
    `build: make\nnetwork:\n  allow: [registry.example]\n#${'x'.repeat(1024 ** 2)}\n`,
  );
  assert.equal(c.policy, DEFAULT_POLICY);
  assert.match(c.source, /main:\.contractor\.yaml is invalid/);
});

test.run();
