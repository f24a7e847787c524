// The pre-push gate as a new user meets it: a real repository, a bare remote, git push.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

let home: ReturnType<typeof tempDir>;
let remoteDir: ReturnType<typeof tempDir>;
let repo: TestRepo;
let remote: string;

function push(...args: string[]): { status: number; stderr: string } {
  const r = spawnSync('git', ['-C', repo.path, 'push', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CONTRACTOR_HOME: home.path, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status ?? -1, stderr: r.stderr };
}

function remoteHas(ref: string): string | undefined {
  try {
    return execFileSync('git', ['-C', remote, 'rev-parse', '--verify', '--quiet', ref], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}

test.before(async () => {
  home = tempDir('contractor-home-');
  remoteDir = tempDir('contractor-remote-');
  remote = join(remoteDir.path, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', remote]);
  repo = makeRepo({ '.contractor.yaml': 'build: test "$(cat state)" = good\n', state: 'good\n' });
  repo.commitAll('good');
  repo.git('remote', 'add', 'origin', remote);
  // A hook that was there before Contractor: it must still run.
  const hooks = join(repo.path, '.git/hooks');
  mkdirSync(hooks, { recursive: true });
  writeFileSync(
    join(hooks, 'pre-push'),
    `#!/bin/sh\ncat >/dev/null\ntouch "${join(repo.path, '.git/existing-hook-ran')}"\n`,
  );
  chmodSync(join(hooks, 'pre-push'), 0o755);
  const r = await contractor(repo.path, ['hooks', 'install']);
  assert.equal(r.exitCode, 0, r.stderr);
});

test.after(() => {
  repo.remove();
  remoteDir.remove();
  home.remove();
});

test('a passing push goes through, and the existing hook still runs', () => {
  const r = push('origin', 'main');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(remoteHas('refs/heads/main'), repo.git('rev-parse', 'HEAD'));
  assert.ok(existsSync(join(repo.path, '.git/existing-hook-ran')));
  assert.match(r.stderr, /passed/);
});

test('the same tree pushed again on a new branch is accepted from the cache', () => {
  const r = push('origin', 'HEAD:refs/heads/again');
  assert.equal(r.status, 0, r.stderr);
  // Its speed is measured by `npm run bench -- cache`; here, that it came from the cache.
  assert.match(r.stderr, /cached/);
});

test('a failing push is refused with the log path, and the remote is untouched', () => {
  const before = remoteHas('refs/heads/main');
  repo.write('state', 'bad\n');
  repo.commitAll('bad');
  const r = push('origin', 'main');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /failed/);
  assert.match(r.stderr, /log: .*log\.txt/);
  assert.equal(remoteHas('refs/heads/main'), before);
});

test("a refused push shows the log's last 20 lines, not only its path", () => {
  const lines = Array.from({ length: 30 }, (_, i) => `echo "line ${i + 1} of the build"`);
  repo.write('.contractor.yaml', `build: |\n  ${lines.join('\n  ')}\n  exit 3\n`);
  repo.commitAll('noisy failure');
  const r = push('origin', 'HEAD:refs/heads/noisy');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /line 30 of the build/);
  assert.match(r.stderr, /line 11 of the build/);
  assert.doesNotMatch(r.stderr, /line 10 of the build/);
  assert.equal(remoteHas('refs/heads/noisy'), undefined);
});

test('pushing the results themselves (refs/notes/contractor) needs no build', () => {
  assert.ok(repo.git('notes', '--ref=contractor', 'list'), 'earlier pushes wrote notes');
  const r = push('origin', 'refs/notes/contractor');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(remoteHas('refs/notes/contractor'), repo.git('rev-parse', 'refs/notes/contractor'));
});

test('a tag is let through unless contractor.prePushTags asks for it to be built', () => {
  // HEAD fails its build (the test above): only the setting decides.
  repo.git('tag', 'v-free');
  const free = push('origin', 'refs/tags/v-free');
  assert.equal(free.status, 0, free.stderr);
  assert.ok(remoteHas('refs/tags/v-free'));
  repo.git('config', 'contractor.prePushTags', 'true');
  repo.git('tag', 'v-gated');
  const gated = push('origin', 'refs/tags/v-gated');
  repo.git('config', '--unset', 'contractor.prePushTags');
  assert.notEqual(gated.status, 0);
  assert.equal(remoteHas('refs/tags/v-gated'), undefined);
});

test('contractor.prePush warn lets the failing push through with the warning', () => {
  repo.git('config', 'contractor.prePush', 'warn');
  const r = push('origin', 'HEAD:refs/heads/warned');
  repo.git('config', '--unset', 'contractor.prePush');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /failed/);
});

test('git push --no-verify still skips the gate', () => {
  const r = push('--no-verify', 'origin', 'HEAD:refs/heads/unverified');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /contractor:/);
});

test('deleting a remote branch needs no build', () => {
  const r = push('origin', ':refs/heads/again');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(remoteHas('refs/heads/again'), undefined);
});

test('git contractor log lists the recorded results', async () => {
  const r = await contractor(repo.path, ['log']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /failed/);
  assert.match(r.stdout, /passed/);
});

test.run();
