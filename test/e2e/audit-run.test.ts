// `git contractor run --audit` with the real namespace driver: it learns, and it leaves no trace a
// later run or reviewer could take for a pass.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { makeRepo, specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const repos = specRepos();
const home = tempDir('contractor-home-');

test.after(() => {
  repos.removeAll();
  home.remove();
});

test('an --audit run that passes writes no git note, no cache entry and no signature', async () => {
  const repo = repos.make(
    'build: |\n  echo built > out.txt\n  python3 -c "import socket; socket.socket().connect_ex((\'192.0.2.9\', 53))"\nartifacts: [out.txt]\n',
  );
  const env = { CONTRACTOR_HOME: home.path };
  const r = await contractor(repo.path, ['run', '--json', '--audit'], env);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { status: string; attestation: unknown; violations: [] };
  assert.equal(doc.status, 'passed');
  assert.ok(doc.violations.length >= 1, 'the direct attempt is recorded');
  assert.equal(doc.attestation, null);
  assert.equal(repo.git('notes', '--ref=contractor', 'list'), '');
  const cache = join(repo.path, '.git', 'contractor', 'cache');
  assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], []);
  // The next plain run builds (and violates) rather than answering from anything the audit left.
  const plain = await contractor(repo.path, ['run', '--json'], env);
  assert.equal(JSON.parse(plain.stdout).status, 'violation');
});

test('an --audit run goes ahead when the spec asks for hosts the policy lacks, says so, and a plain run is still refused', async () => {
  const repo = repos.make('network:\n  allow: [registry.example.invalid]\nbuild: echo built\n');
  const env = { CONTRACTOR_HOME: home.path };
  const audited = await contractor(repo.path, ['run', '--audit'], env);
  assert.equal(audited.exitCode, 0, audited.stdout + audited.stderr);
  assert.match(
    audited.stdout + audited.stderr,
    /audit: network\.allow asks for registry\.example\.invalid, which \S+policy\.yaml does not allow; this run lets such requests through/,
  );
  const plain = await contractor(repo.path, ['run'], env);
  assert.equal(plain.exitCode, 2, plain.stdout + plain.stderr);
  assert.match(plain.stderr, /no trusted policy/);
});

test('HEAD without a spec, while the working tree has one, says to commit it or use --worktree', async () => {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  try {
    repo.commitAll('no spec yet');
    repo.write('.contractor.yaml', 'build: echo built\n');
    const r = await contractor(repo.path, ['run'], { CONTRACTOR_HOME: home.path });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(
      r.stderr,
      /has no \.contractor\.yaml, but the working tree has one: commit it, or run with --worktree/,
    );
    const built = await contractor(repo.path, ['run', '--worktree'], {
      CONTRACTOR_HOME: home.path,
    });
    assert.equal(built.exitCode, 0, built.stdout + built.stderr);
  } finally {
    repo.remove();
  }
});

test.run();
