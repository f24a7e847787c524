import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, readFileSync, readlinkSync, symlinkSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { readCommittedFile, readRevision, resolveRevision } from '../../src/git/repository.js';
import { archiveCommit } from '../../src/git/snapshot.js';
import { snapshotWorktree } from '../../src/git/worktree-snapshot.js';
import { makeRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const spec = { path: '.contractor.yaml', maxBytes: 1024 };
const cleanups: (() => void)[] = [];
test.after(() => cleanups.forEach((c) => c()));

async function unpack(source: () => Readable): Promise<string> {
  const dest = tempDir().path;
  // Read whole first: tar may exit at the end marker before git's record padding is written.
  const chunks: Buffer[] = [];
  for await (const c of source()) chunks.push(c as Buffer);
  execFileSync('tar', ['-x', '-f', '-', '-C', dest], { input: Buffer.concat(chunks) });
  cleanups.push(() => rmSync(dest, { recursive: true, force: true }));
  return dest;
}

test('builds the committed tree, not the edited working directory, and never .git', async () => {
  const repo = makeRepo({ 'a.txt': 'committed\n', '.contractor.yaml': 'build: make\n' });
  const commit = repo.commitAll('one');
  repo.write('a.txt', 'edited but not committed\n');
  const out = await unpack(archiveCommit(repo.path, commit));
  assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'committed\n');
  assert.equal(existsSync(join(out, '.git')), false);
  repo.remove();
});

test('a symlink in the tree stays a symlink', async () => {
  const repo = makeRepo({ x: '1' });
  symlinkSync('/etc/shadow', join(repo.path, 'shadow'));
  const commit = repo.commitAll('link');
  const out = await unpack(archiveCommit(repo.path, commit));
  assert.equal(readlinkSync(join(out, 'shadow')), '/etc/shadow');
  repo.remove();
});

test('reads the spec as committed', async () => {
  const repo = makeRepo({ '.contractor.yaml': 'build: one\n' });
  const commit = repo.commitAll('one');
  repo.write('.contractor.yaml', 'build: two\n');
  assert.deepEqual(await readCommittedFile(repo.path, commit, spec), {
    bytes: 11,
    text: 'build: one\n',
  });
  assert.equal(
    await readCommittedFile(repo.path, commit, { ...spec, path: 'missing.yaml' }),
    undefined,
  );
  repo.remove();
});

test('resolves a revision to its commit and tree, and names a bad one', async () => {
  const repo = makeRepo({ a: '1' });
  const commit = repo.commitAll('one');
  const r = await resolveRevision(repo.path, 'HEAD');
  assert.equal(r.commit, commit);
  assert.equal(r.tree, repo.git('rev-parse', 'HEAD^{tree}'));
  await assert.rejects(
    resolveRevision(repo.path, 'no-such-branch'),
    /cannot resolve no-such-branch/,
  );
  await assert.rejects(resolveRevision(repo.path, '--output=/tmp/x'), /cannot resolve/);
  repo.remove();
});

test('reads a revision with its spec in one git process, and refuses what is not a commit', async () => {
  const repo = makeRepo({ '.contractor.yaml': 'build: one\n', 'sub/a': '1' });
  const first = repo.commitAll('one');
  repo.write('.contractor.yaml', 'build: two\n');
  const second = repo.commitAll('two');
  repo.git('tag', '-a', '-m', 'annotated', 'v1', first);
  const head = await readRevision(join(repo.path, 'sub'), 'HEAD', spec);
  assert.deepEqual(head, {
    commit: second,
    tree: repo.git('rev-parse', 'HEAD^{tree}'),
    file: { bytes: 11, text: 'build: two\n' },
  });
  // An annotated tag peels to its commit; the spec is the commit's, not the working tree's.
  const tagged = await readRevision(repo.path, 'v1', spec);
  assert.equal(tagged.commit, first);
  assert.equal(tagged.file?.text, 'build: one\n');
  assert.equal(
    (await readRevision(repo.path, 'HEAD', { ...spec, path: 'missing.yaml' })).file,
    undefined,
  );
  assert.equal(
    (await readRevision(repo.path, 'HEAD', { ...spec, path: 'sub' })).file,
    undefined,
    'a directory is no file',
  );
  for (const bad of [
    'no-such-branch',
    `${first}..${second}`,
    'HEAD^{tree}',
    '--output=/tmp/x',
    'HEAD\nHEAD',
  ])
    await assert.rejects(readRevision(repo.path, bad, spec), /cannot resolve/, bad);
  repo.remove();
});

test('sizes a committed file over its cap without reading it, even one far past any buffer', async () => {
  const repo = makeRepo({ '.contractor.yaml': 'build: one\n' });
  repo.commitAll('one');
  // 96 MiB: reading it whole would have overrun the 64 MiB any git output here may take.
  const huge = 96 * 1024 ** 2;
  execFileSync(
    'sh',
    ['-c', `head -c ${huge} /dev/zero > .contractor.yaml && git add .contractor.yaml`],
    {
      cwd: repo.path,
    },
  );
  const commit = repo.commitAll('huge');
  const read = await readRevision(repo.path, 'HEAD', spec);
  assert.equal(read.commit, commit);
  assert.deepEqual(read.file, { bytes: huge, text: undefined });
  assert.deepEqual(await readCommittedFile(repo.path, commit, spec), {
    bytes: huge,
    text: undefined,
  });
  // At the cap it is read; a byte over, it is not.
  repo.write('.contractor.yaml', 'x'.repeat(1024));
  repo.commitAll('at the cap');
  assert.equal((await readRevision(repo.path, 'HEAD', spec)).file?.text?.length, 1024);
  repo.write('.contractor.yaml', 'x'.repeat(1025));
  repo.commitAll('over the cap');
  assert.deepEqual((await readRevision(repo.path, 'HEAD', spec)).file, {
    bytes: 1025,
    text: undefined,
  });
  repo.remove();
});

test('reads a spec holding bytes a line reader could trip on', async () => {
  const text = 'build: |\n  printf "a\\nb"\n\n\n# \u00e9\u0000 no newline at the end';
  const repo = makeRepo({ '.contractor.yaml': text });
  repo.commitAll('one');
  assert.equal((await readRevision(repo.path, 'HEAD', spec)).file?.text, text);
  repo.remove();
});

test('a worktree snapshot holds tracked edits and unignored new files, and leaves the index alone', async () => {
  const repo = makeRepo({ 'a.txt': 'one\n', '.gitignore': 'ignored/\n' });
  repo.commitAll('one');
  repo.write('a.txt', 'edited\n');
  repo.write('new.txt', 'new\n');
  mkdirSync(join(repo.path, 'ignored'));
  repo.write('ignored/secret', 'no\n');
  const indexBefore = createHash('sha256')
    .update(readFileSync(join(repo.path, '.git/index')))
    .digest('hex');
  const tree = await snapshotWorktree(repo.path);
  const indexAfter = createHash('sha256')
    .update(readFileSync(join(repo.path, '.git/index')))
    .digest('hex');
  assert.equal(indexAfter, indexBefore);
  assert.equal(repo.git('status', '--porcelain'), 'M a.txt\n?? new.txt');
  const out = await unpack(archiveCommit(repo.path, tree));
  assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'edited\n');
  assert.equal(readFileSync(join(out, 'new.txt'), 'utf8'), 'new\n');
  assert.equal(existsSync(join(out, 'ignored')), false);
  repo.remove();
});

test.run();
