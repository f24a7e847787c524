// The App's jobs name their repository, ref and event; a fork's pull request is untrusted.
import assert from 'node:assert/strict';
import { test } from 'uvu';
import type { AppJob } from '../../src/github/app-job.js';
import { appOrigin } from '../../src/github/app-origin.js';

const GIT_URL = 'https://git.example';

function job(o: Partial<AppJob>): AppJob {
  return {
    key: 'd:s',
    delivery: 'd',
    event: 'push',
    action: null,
    installationId: 1,
    owner: 'team',
    repo: 'hello',
    repoId: 42,
    sha: 'a'.repeat(40),
    ref: 'main',
    defaultBranch: 'main',
    pull: null,
    rerun: false,
    ...o,
  };
}

const pull = (fork: boolean) => ({ number: 7, baseRef: 'main', baseSha: 'b'.repeat(40), fork });

test("a push to the repository's own branch is trusted and names that branch", () => {
  assert.deepEqual(appOrigin(job({}), GIT_URL), {
    repository: 'https://git.example/team/hello',
    ref: 'refs/heads/main',
    event: 'push',
    trusted: true,
  });
});

test("a fork's pull request is untrusted; a pull request from the repository itself is trusted", () => {
  const fork = appOrigin(job({ event: 'pull_request', ref: null, pull: pull(true) }), GIT_URL);
  assert.deepEqual(fork, {
    repository: 'https://git.example/team/hello',
    ref: 'refs/pull/7/head',
    event: 'pull_request',
    trusted: false,
  });
  const own = appOrigin(job({ event: 'pull_request', ref: null, pull: pull(false) }), GIT_URL);
  assert.equal(own.trusted, true);
});

test('a check suite naming no pull request, as GitHub sends for a fork head, is not trusted', () => {
  assert.equal(appOrigin(job({ event: 'check_suite', ref: 'patch-1' }), GIT_URL).trusted, false);
  assert.equal(appOrigin(job({ event: 'check_run', pull: pull(true) }), GIT_URL).trusted, false);
});

test.run();
