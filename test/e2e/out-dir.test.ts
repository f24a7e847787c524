// `--out DIR` given again: a user reruns into the same directory and gets the new run there, whole;
// a directory holding anything a run did not write is refused before the build, and kept.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const repos = specRepos();
const home = tempDir('contractor-home-');
const dirs = tempDir('contractor-out-');
const env = { CONTRACTOR_HOME: home.path };
const SPEC = 'build: cp msg.txt out.txt\nartifacts: [out.txt]\n';

test.after(() => {
  repos.removeAll();
  home.remove();
  dirs.remove();
});

const result = (out: string): { id: string; status: string; cached?: boolean } =>
  JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));

test('a second run into the same --out replaces the first run there, artifacts included', async () => {
  const repo = repos.make(SPEC, { 'msg.txt': 'one\n' });
  const out = join(dirs.path, 'again');
  const first = await contractor(repo.path, ['run', '--out', out], env);
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  const firstId = result(out).id;
  repo.write('msg.txt', 'two\n');
  repo.commitAll('two');
  const second = await contractor(repo.path, ['run', '--out', out], env);
  assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  assert.notEqual(result(out).id, firstId);
  assert.equal(result(out).status, 'passed');
  assert.equal(readFileSync(join(out, 'artifacts/out.txt'), 'utf8'), 'two\n');
  // The same commit into another directory: answered from the cache, written whole there.
  const other = join(dirs.path, 'other');
  const cached = await contractor(repo.path, ['run', '--out', other], env);
  assert.equal(cached.exitCode, 0, cached.stdout + cached.stderr);
  assert.equal(result(other).cached, true);
  assert.equal(readFileSync(join(other, 'artifacts/out.txt'), 'utf8'), 'two\n');
  assert.ok(existsSync(join(other, 'log.txt')));
  // The first tree again: its cached run's files were replaced by the second run, so it builds
  // again rather than answer with another run's artifact.
  repo.write('msg.txt', 'one\n');
  repo.commitAll('one again');
  const again = await contractor(repo.path, ['run', '--json'], env);
  assert.equal(again.exitCode, 0, again.stdout + again.stderr);
  const doc = JSON.parse(again.stdout) as { cached?: boolean; artifacts: { sha256: string }[] };
  assert.notEqual(doc.cached, true, 'built again, not answered from the cache');
  const oneDigest = createHash('sha256').update('one\n').digest('hex');
  assert.equal(doc.artifacts[0]?.sha256, oneDigest);
});

test('contractor build into the same --out twice passes both times', async () => {
  const dir = join(dirs.path, 'build-src');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/msg.txt'), 'hi\n');
  writeFileSync(join(dir, 'spec.yaml'), `source: src\n${SPEC}`);
  const out = join(dirs.path, 'build-out');
  for (const round of [1, 2]) {
    const r = await contractor(dir, ['build', 'spec.yaml', '--out', out], env);
    assert.equal(r.exitCode, 0, `round ${round}: ${r.stdout}${r.stderr}`);
    assert.equal(readFileSync(join(out, 'artifacts/out.txt'), 'utf8'), 'hi\n');
  }
});

test('an --out holding files a run did not write is refused before the build, and left as it was', async () => {
  const repo = repos.make(SPEC, { 'msg.txt': 'one\n' });
  const out = join(dirs.path, 'mine');
  mkdirSync(join(out, 'artifacts'), { recursive: true });
  writeFileSync(join(out, 'notes.md'), 'my notes\n');
  writeFileSync(join(out, 'artifacts/keep.bin'), 'keep\n');
  const r = await contractor(repo.path, ['run', '--no-cache', '--out', out], env);
  assert.equal(r.exitCode, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--out \S+mine holds files a run did not write \(notes\.md\)/);
  assert.equal(readFileSync(join(out, 'notes.md'), 'utf8'), 'my notes\n');
  assert.equal(readFileSync(join(out, 'artifacts/keep.bin'), 'utf8'), 'keep\n');
  assert.ok(!existsSync(join(out, 'log.txt')), 'no build ran');
  const file = join(dirs.path, 'a-file');
  writeFileSync(file, 'x');
  const f = await contractor(repo.path, ['run', '--no-cache', '--out', file], env);
  assert.equal(f.exitCode, 2, f.stdout + f.stderr);
  assert.match(f.stderr, /--out \S+a-file is not a directory/);
});

test.run();
