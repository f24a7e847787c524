import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { artifactPatterns } from '../../src/manager/artifact-patterns.js';
import { collectArtifacts } from '../../src/manager/artifacts.js';
import { tempDir } from '../helpers/tmp.js';

test('collects files matching paths and globs with their sha256', async () => {
  const t = tempDir();
  const src = join(t.path, 'src');
  mkdirSync(join(src, 'out'), { recursive: true });
  writeFileSync(join(src, 'hello'), 'binary');
  writeFileSync(join(src, 'out/a.tar.gz'), 'a');
  writeFileSync(join(src, 'out/b.txt'), 'b');
  const r = await collectArtifacts(
    src,
    artifactPatterns(['hello', 'out/*.tar.gz']),
    join(t.path, 'artifacts'),
  );
  assert.deepEqual(
    r.artifacts.map((a) => a.path),
    ['hello', 'out/a.tar.gz'],
  );
  const digest = createHash('sha256').update('binary').digest('hex');
  assert.equal(r.artifacts[0]?.sha256, digest);
  assert.equal(readFileSync(join(t.path, 'artifacts/hello'), 'utf8'), 'binary');
  t.remove();
});

test('never follows a symlink to collect an artifact', async () => {
  const t = tempDir();
  const src = join(t.path, 'src');
  mkdirSync(src);
  symlinkSync('/etc/passwd', join(src, 'hello'));
  const r = await collectArtifacts(src, artifactPatterns(['hello']), join(t.path, 'artifacts'));
  assert.equal(r.artifacts.length, 0);
  assert.deepEqual(r.refused, ['hello']);
  t.remove();
});

test('collects nothing through a src/ that is itself a link, wherever it leads', async () => {
  const t = tempDir();
  mkdirSync(join(t.path, 'inside'));
  writeFileSync(join(t.path, 'inside/hello'), 'not through a link');
  symlinkSync('inside', join(t.path, 'src'));
  const r = await collectArtifacts(
    join(t.path, 'src'),
    artifactPatterns(['hello']),
    join(t.path, 'artifacts'),
  );
  assert.equal(r.srcNotADirectory, true);
  assert.deepEqual(r.artifacts, []);
  assert.deepEqual(r.unmatched, ['hello']);
  assert.equal(existsSync(join(t.path, 'artifacts/hello')), false);
  t.remove();
});

test('an artifact keeps its permission bits', async () => {
  const t = tempDir();
  const src = join(t.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'app'), '#!/bin/sh\n', { mode: 0o755 });
  await collectArtifacts(src, artifactPatterns(['app']), join(t.path, 'artifacts'));
  assert.equal(lstatSync(join(t.path, 'artifacts/app')).mode & 0o777, 0o755);
  t.remove();
});

test('reports patterns that matched nothing', async () => {
  const t = tempDir();
  const src = join(t.path, 'src');
  mkdirSync(src);
  const r = await collectArtifacts(src, artifactPatterns(['missing']), join(t.path, 'artifacts'));
  assert.deepEqual(r.unmatched, ['missing']);
  t.remove();
});

test('past its cap of matches it collects none, copies nothing, and says why', async () => {
  const t = tempDir();
  const src = join(t.path, 'src');
  mkdirSync(join(src, 'out'), { recursive: true });
  for (const name of ['a', 'b', 'c']) writeFileSync(join(src, 'out', name), name);
  const out = join(t.path, 'artifacts');
  const atCap = await collectArtifacts(src, artifactPatterns(['out/*']), out, 3);
  assert.equal(atCap.overflow, undefined);
  assert.equal(atCap.artifacts.length, 3);
  // A link counts as a match too: it is what a packer counts before anything is refused.
  symlinkSync('a', join(src, 'out', 'd'));
  const out2 = join(t.path, 'artifacts2');
  const over = await collectArtifacts(src, artifactPatterns(['out/*', 'x']), out2, 3);
  assert.deepEqual(over.artifacts, []);
  assert.deepEqual(over.refused, []);
  assert.equal(
    over.overflow,
    'the artifact patterns (out/*, x) matched more than 3 entries; none was collected',
  );
  assert.equal(existsSync(out2), false);
  t.remove();
});

test.run();
