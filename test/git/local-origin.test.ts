// A local run's provenance names the repository as the user's git config knows it, never a token.
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import { localOrigin } from '../../src/git/local-origin.js';
import { makeRepo } from '../helpers/git-repo.js';

test("names the branch's upstream remote, the branch's ref and the local event, trusted", async () => {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  repo.commitAll('one');
  repo.git('remote', 'add', 'origin', 'https://git.example/team/hello.git');
  repo.git('remote', 'add', 'upstream', 'ssh://git@git.example/team/upstream.git');
  repo.git('config', 'branch.main.remote', 'upstream');
  assert.deepEqual(await localOrigin(repo.path, 'HEAD'), {
    repository: 'ssh://git@git.example/team/upstream.git',
    ref: 'refs/heads/main',
    event: 'local',
    trusted: true,
  });
  repo.remove();
});

test('drops a token written into the remote URL before it is signed', async () => {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  repo.commitAll('one');
  repo.git('remote', 'add', 'origin', 'https://someone:ghp_secret@git.example/team/hello.git');
  const origin = await localOrigin(repo.path, 'main');
  assert.equal(origin.repository, 'https://git.example/team/hello.git');
  assert.doesNotMatch(JSON.stringify(origin), /ghp_secret|someone/);
  const pushed = await localOrigin(repo.path, 'main', {
    url: 'https://x-access-token:ghp_secret@git.example/team/hello.git',
    remoteRef: 'refs/heads/main',
  });
  assert.doesNotMatch(JSON.stringify(pushed), /ghp_secret/);
  repo.remove();
});

test('a commit id names no ref; a repository without remotes is named by its path', async () => {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  const commit = repo.commitAll('one');
  assert.deepEqual(await localOrigin(repo.path, commit), {
    repository: pathToFileURL(repo.path).href,
    event: 'local',
    trusted: true,
  });
  repo.remove();
});

test('the pre-push hook names the URL git gave it and the ref being pushed there', async () => {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  repo.commitAll('one');
  repo.git('remote', 'add', 'origin', 'https://git.example/team/hello.git');
  assert.deepEqual(
    await localOrigin(repo.path, 'HEAD', {
      url: 'https://git.example/team/mirror.git',
      remoteRef: 'refs/heads/release',
    }),
    {
      repository: 'https://git.example/team/mirror.git',
      ref: 'refs/heads/release',
      event: 'pre-push',
      trusted: true,
    },
  );
  repo.remove();
});

test.run();
