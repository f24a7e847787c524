// A spec's saved workspace with a remote manager: carried there before the source, sanitised on
// arrival at each end, and saved back here only when the build saved it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import type { JobExecutor } from '../../src/manager/executor.js';
import type { JobResult } from '../../src/manager/job.js';
import { FrameWriter } from '../../src/manager/remote/frame-writer.js';
import { runRemoteAttempt } from '../../src/manager/remote/remote-attempt.js';
import { replaceDirectory } from '../../src/manager/save-workspace.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { craftTar } from '../helpers/craft-tar.js';
import { hostileManager, jobRequest, serveInProcess } from '../helpers/in-process-manager.js';
import { stubExecutor } from '../helpers/stub-executor.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const cleanups: (() => void)[] = [];
test.after.each(() => cleanups.splice(0).forEach((c) => c()));

function dir(): string {
  const d = tempDir();
  cleanups.push(d.remove);
  return d.path;
}

interface Seen {
  /** What the job found in its workspace directory on the manager. */
  entries?: string[];
  modes?: Record<string, number>;
}

/** Stands in for runJob's restore and save: counts builds in the workspace, then saves it. */
function countingExecutor(seen: Seen, o: { save?: boolean } = {}): JobExecutor {
  return async (req) => {
    const ws = req.workspaceDir as string;
    seen.entries = readdirSync(ws).sort();
    seen.modes = Object.fromEntries(seen.entries.map((e) => [e, lstatSync(join(ws, e)).mode]));
    const count = existsSync(join(ws, 'count'))
      ? Number(readFileSync(join(ws, 'count'), 'utf8'))
      : 0;
    if (o.save !== false) {
      const fresh = mkdtempSync(join(tmpdir(), 'contractor-test-saved-'));
      writeFileSync(join(fresh, 'count'), `${count + 1}`);
      mkdirSync(join(fresh, 'src'));
      writeFileSync(join(fresh, 'src', 'built'), 'built on the manager\n');
      await replaceDirectory(ws, fresh);
    }
    return stubExecutor()(req);
  };
}

async function runWith(executor: JobExecutor, workspaceDir: string, diskBytes?: number) {
  const out = dir();
  const limits = { ...DEFAULT_POLICY.limits, ...(diskBytes ? { diskBytes } : {}) };
  const m = serveInProcess(executor, { ceiling: { ...DEFAULT_POLICY, limits } });
  const req = { ...jobRequest(out), workspaceDir };
  const result = await runRemoteAttempt(await m.session(), req);
  return { result, out, served: m.served, events: req.events };
}

test('the workspace reaches the manager before the build, without its src/, and comes back saved', async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(join(ws, 'src'), { recursive: true });
  writeFileSync(join(ws, 'count'), '5');
  writeFileSync(join(ws, 'src', 'stale'), 'the last build tree\n');
  const seen: Seen = {};
  const first = await runWith(countingExecutor(seen), ws);
  assert.equal(first.result.status, 'passed');
  assert.deepEqual(seen.entries, ['count'], 'src/ comes from the commit, not the cache');
  assert.equal(readFileSync(join(ws, 'count'), 'utf8'), '6');
  assert.equal(readFileSync(join(ws, 'src', 'built'), 'utf8'), 'built on the manager\n');
  assert.equal(
    existsSync(join(ws, 'src', 'stale')),
    false,
    'the saved workspace replaces it whole',
  );
  assert.equal(existsSync(join(first.out, 'workspace.tar')), false, 'the tar is not left behind');
  await runWith(countingExecutor(seen), ws);
  assert.equal(readFileSync(join(ws, 'count'), 'utf8'), '7');
});

test('a first build carries an empty workspace and makes the saved one here', async () => {
  const ws = join(dir(), 'not', 'yet', 'ws');
  const seen: Seen = {};
  await runWith(countingExecutor(seen), ws);
  assert.deepEqual(seen.entries, []);
  assert.equal(readFileSync(join(ws, 'count'), 'utf8'), '1');
});

test('a build that saved nothing leaves the workspace here as it was', async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'count'), '5');
  const before = statSync(ws).ino;
  const r = await runWith(countingExecutor({}, { save: false }), ws);
  assert.equal(r.result.status, 'passed');
  assert.equal(statSync(ws).ino, before);
  assert.equal(readFileSync(join(ws, 'count'), 'utf8'), '5');
});

test("the manager keeps none of a hostile client's workspace links out, devices or special bits", async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'count'), '1');
  symlinkSync('/etc/passwd', join(ws, 'passwd'));
  symlinkSync('../../../../etc/shadow', join(ws, 'shadow'));
  writeFileSync(join(ws, 'tool'), '#!/bin/sh\n');
  chmodSync(join(ws, 'tool'), 0o4755);
  const seen: Seen = {};
  await runWith(countingExecutor(seen), ws);
  assert.deepEqual(seen.entries, ['count', 'tool']);
  assert.equal((seen.modes?.tool ?? 0) & 0o7777, 0o755, 'no setuid bit on the manager');
});

test('a workspace larger than the manager disk limit is refused, and the one here kept', async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'big'), Buffer.alloc(1024 ** 2));
  await assert.rejects(
    runWith(countingExecutor({}), ws, 100_000),
    /the workspace is larger than this manager's disk limit of 100000 bytes/,
  );
  assert.equal(statSync(join(ws, 'big')).size, 1024 ** 2);
});

/** A manager that sends what an honest one never would, then a valid result. */
async function evilManager(
  send: (w: FrameWriter) => Promise<void>,
  workspaceDir?: string,
  diskBytes = DEFAULT_POLICY.limits.diskBytes,
) {
  const out = dir();
  const limits = { ...DEFAULT_POLICY.limits, diskBytes };
  const job = {
    ...jobRequest(out, { policy: { limits } }),
    ...(workspaceDir ? { workspaceDir } : {}),
  };
  const result: JobResult = {
    id: job.id,
    status: 'passed',
    exitCode: 0,
    summary: 'build passed',
    commit: null,
    tree: null,
    driver: 'namespace',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1,
    phases: [{ name: 'build', exitCode: 0, durationMs: 1 }],
    violations: [],
    artifacts: [],
    outDir: '/elsewhere',
    log: '/elsewhere/log.txt',
    network: [],
    policy: { ...DEFAULT_POLICY, source: 'manager.yaml', limits: { ...DEFAULT_POLICY.limits } },
    attestation: null,
  };
  const { run } = await hostileManager(async (w) => {
    await send(w);
    await w.control({ type: 'result', result: result as unknown as Record<string, unknown> });
  }, job);
  return { run, job, out };
}

async function sendTar(w: FrameWriter, tar: Buffer): Promise<void> {
  await w.control({ type: 'file', path: 'workspace.tar', size: tar.length, sha256: sha(tar) });
  await w.data(tar);
}

test('the client refuses a workspace from the manager for a job that carries none', async () => {
  const { run, out } = await evilManager((w) => sendTar(w, Buffer.alloc(1024)));
  await assert.rejects(run, /manager evil sent a workspace for a job that has none/);
  assert.equal(existsSync(join(out, 'workspace.tar')), false);
});

test("the client drops a returned workspace's links out and devices, and says so", async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'old'), 'old\n');
  const tarPath = join(dir(), 'evil.tar');
  craftTar(tarPath, [
    { name: 'count', type: 'file', content: '9' },
    { name: 'passwd', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'src/up', type: 'symlink', linkname: '../../escape' },
    { name: 'null', type: 'chardev' },
    { name: 'suid', type: 'file', content: 'x', mode: 0o4755 },
  ]);
  const { run, job } = await evilManager((w) => sendTar(w, readFileSync(tarPath)), ws);
  assert.equal((await run).status, 'passed');
  assert.deepEqual(readdirSync(ws).sort(), ['count', 'suid']);
  assert.equal(statSync(join(ws, 'suid')).mode & 0o7777, 0o755);
  const said = job.events.filter((e) => (e as { type: string }).type === 'status');
  assert.match(
    JSON.stringify(said),
    /manager evil returned 3 workspace entries that may not land here/,
  );
});

test("the client drops a returned workspace's chain of links whose texts stay inside", async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(ws);
  const deep = Array.from({ length: 19 }, (_, i) => `a${i + 1}`);
  const tarPath = join(dir(), 'evil.tar');
  craftTar(tarPath, [
    ...deep.map((_, i) => ({
      name: deep.slice(0, i + 1).join('/'),
      type: 'dir' as const,
      mode: 0o755,
    })),
    { name: `${deep.join('/')}/l2`, type: 'symlink', linkname: '../'.repeat(19) },
    { name: 'home', type: 'symlink', linkname: `${deep.join('/')}/l2/${'../'.repeat(20)}root` },
  ]);
  const { run, job } = await evilManager((w) => sendTar(w, readFileSync(tarPath)), ws);
  assert.equal((await run).status, 'passed');
  assert.equal(existsSync(join(ws, 'home')), false);
  const said = job.events.filter((e) => (e as { type: string }).type === 'status');
  assert.match(JSON.stringify(said), /returned 1 workspace entries that may not land here/);
});

test('a returned workspace over the disk limit is refused, and the one here kept', async () => {
  const ws = join(dir(), 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'old'), 'old\n');
  const tarPath = join(dir(), 'big.tar');
  craftTar(tarPath, [{ name: 'big', type: 'file', size: 2 * 1024 ** 2 }]);
  const { run } = await evilManager((w) => sendTar(w, readFileSync(tarPath)), ws, 1024 ** 2);
  await assert.rejects(
    run,
    /the manager's workspace is over the disk limit of 1048576 bytes; the saved one is kept/,
  );
  assert.deepEqual(readdirSync(ws), ['old']);
});

test.run();
