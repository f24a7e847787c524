// `git contractor run --audit` with the real namespace driver: it learns, and it leaves no trace a
// later run or reviewer could take for a pass.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
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

test.run();
