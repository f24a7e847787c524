// The App reads a commit's spec from its bare cache: the text, nothing for no spec, and a refusal
// for a blob too big to be one, which is never read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import { readCommittedSpec } from '../../src/github/committed-spec.js';
import { makeRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

test('reads the spec of each commit from a bare cache, or says there is none', async () => {
  const repo = makeRepo({ '.contractor.yaml': 'build: make\n' });
  const withSpec = repo.commitAll('spec');
  repo.git('rm', '-q', '.contractor.yaml');
  repo.write('.contractor.yaml/inside', 'a tree, not a blob\n');
  const withTree = repo.commitAll('a directory named like the spec');
  repo.git('rm', '-rq', '.contractor.yaml');
  repo.write('.contractor.yaml', 'x'.repeat(1024 * 1024 + 1));
  const tooBig = repo.commitAll('too big');
  const cache = tempDir();
  const gitDir = join(cache.path, 'cache.git');
  execFileSync('git', ['clone', '-q', '--bare', repo.path, gitDir]);
  try {
    assert.equal(await readCommittedSpec(gitDir, withSpec), 'build: make\n');
    assert.equal(await readCommittedSpec(gitDir, withTree), undefined);
    assert.equal(await readCommittedSpec(gitDir, 'f'.repeat(40)), undefined, 'no such commit');
    await assert.rejects(readCommittedSpec(gitDir, tooBig), (err: Error & { issues?: unknown }) => {
      assert.match(
        JSON.stringify(err.issues ?? err.message),
        /spec is 1048577 bytes; the limit is 1 MiB/,
      );
      return true;
    });
  } finally {
    repo.remove();
    cache.remove();
  }
});

test.run();
