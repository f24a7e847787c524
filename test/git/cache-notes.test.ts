import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { noteFor, readNote, recentNotes, writeNote } from '../../src/git/notes.js';
import { cacheKey, ResultCache } from '../../src/git/result-cache.js';
import type { JobResult } from '../../src/manager/job.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { makeRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

function result(status: JobResult['status']): JobResult {
  return {
    id: 'job-1',
    status,
    exitCode: status === 'passed' ? 0 : 1,
    summary: status,
    commit: null,
    tree: 't'.repeat(40),
    driver: 'namespace',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    phases: [{ name: 'build', exitCode: 0, durationMs: 900 }],
    violations: [],
    artifacts: [{ path: 'hello', size: 3, sha256: 'f'.repeat(64) }],
    outDir: '/x',
    log: '/x/log.txt',
    network: [],
    policy: { source: 'defaults', allow: [], buildNetwork: false, limits: {} },
    attestation: null,
  };
}

const parts = {
  tree: 'a'.repeat(40),
  specDigest: 'b',
  policy: { ...DEFAULT_POLICY, image: 'worker', source: 'p' },
  driver: 'namespace' as const,
  imageDigest: 'c',
  version: '1',
  workspace: 'none',
};

test('the cache key changes with every input that could change the result', () => {
  const base = cacheKey(parts);
  assert.notEqual(cacheKey({ ...parts, tree: 'd'.repeat(40) }), base);
  assert.notEqual(cacheKey({ ...parts, specDigest: 'x' }), base);
  assert.notEqual(
    cacheKey({ ...parts, policy: { ...parts.policy, allow: ['pkg.example'] } }),
    base,
  );
  assert.notEqual(
    cacheKey({
      ...parts,
      policy: { ...parts.policy, limits: { ...parts.policy.limits, wallMs: 1 } },
    }),
    base,
  );
  assert.notEqual(cacheKey({ ...parts, driver: 'vm' }), base);
  assert.notEqual(cacheKey({ ...parts, imageDigest: 'z' }), base);
  assert.notEqual(cacheKey({ ...parts, version: '2' }), base);
  // A workspace kept under .git and one in the work tree restore different starts.
  assert.notEqual(
    cacheKey({ ...parts, workspace: 'kept' }),
    cacheKey({ ...parts, workspace: 'tree' }),
  );
  assert.equal(cacheKey({ ...parts, policy: { ...parts.policy, source: 'elsewhere' } }), base);
});

test('keeps passes only, and treats a torn entry as a miss', async () => {
  const t = tempDir();
  const cache = new ResultCache(t.path);
  await cache.store('k1', result('failed'));
  assert.equal(await cache.lookup('k1'), undefined);
  await cache.store('k2', result('passed'));
  assert.equal((await cache.lookup('k2'))?.result.status, 'passed');
  writeFileSync(join(t.path, 'k3.json'), '{"key":"k3","result":{"status":"pass');
  assert.equal(await cache.lookup('k3'), undefined);
  writeFileSync(
    join(t.path, 'k4.json'),
    JSON.stringify({ key: 'other', result: result('passed') }),
  );
  assert.equal(await cache.lookup('k4'), undefined);
  t.remove();
});

test('writes results as notes under refs/notes/contractor and lists them', async () => {
  const repo = makeRepo({ a: '1' });
  const c1 = repo.commitAll('first');
  repo.write('a', '2');
  const c2 = repo.commitAll('second');
  await writeNote(repo.path, c1, noteFor(result('failed'), null));
  await writeNote(repo.path, c2, noteFor(result('passed'), null));
  assert.match(repo.git('notes', '--ref=contractor', 'list'), new RegExp(c2));
  assert.equal((await readNote(repo.path, c1))?.status, 'failed');
  const listed = await recentNotes(repo.path, 10);
  assert.deepEqual(
    listed.map((n) => [n.commit, n.subject, n.note.status]),
    [
      [c2, 'second', 'passed'],
      [c1, 'first', 'failed'],
    ],
  );
  repo.remove();
});

test.run();
