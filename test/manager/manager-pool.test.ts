import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'uvu';
import type { JobEvent } from '../../src/manager/job.js';
import type { ManagerConfig } from '../../src/manager/remote/manager-config.js';
import { ManagerPool, type SessionOpener } from '../../src/manager/remote/manager-pool.js';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { jobRequest, serveInProcess } from '../helpers/in-process-manager.js';
import { stubExecutor } from '../helpers/stub-executor.js';
import { tempDir } from '../helpers/tmp.js';

function config(name: string, capacity = 1): ManagerConfig {
  return {
    name,
    host: '127.0.0.1',
    port: 22,
    user: 'u',
    key: '/k',
    hostKey: 'SHA256:x',
    capacity,
    where: 'config.yaml:1:1',
  };
}

type Kind = 'ok' | 'unreachable' | 'dies' | 'hangs';

/** Managers served in process; `dies` drops the channel once its job has started. */
function managers(kinds: Record<string, Kind>, running: Record<string, RunningJobs> = {}) {
  const opened: string[] = [];
  const ran: string[] = [];
  const open: SessionOpener = async (m) => {
    opened.push(m.name);
    const kind = kinds[m.name] ?? 'ok';
    if (kind === 'unreachable') throw new Error(`cannot reach manager ${m.name}: ECONNREFUSED`);
    let die = (): void => undefined;
    const executor = stubExecutor({
      hang: kind === 'dies' || kind === 'hangs',
      onStart: () => {
        ran.push(m.name);
        if (kind === 'dies') setImmediate(die);
      },
    });
    const served = serveInProcess(executor, { name: m.name, running: running[m.name] });
    die = () => served.pipes.fromManager.end();
    return served.session();
  };
  return { open, opened, ran };
}

function statusMessages(events: unknown[]): string[] {
  return (events as JobEvent[]).flatMap((e) => (e.type === 'status' ? [e.message] : []));
}

function outputCount(events: unknown[]): number {
  return (events as JobEvent[]).filter((e) => e.type === 'output').length;
}

test('a job goes to the manager with the most free capacity, counting jobs other clients run there', async () => {
  const out = tempDir();
  const busy = tempDir();
  const running = new RunningJobs(join(busy.path, 'running'));
  await running.add('theirs-1');
  await running.add('theirs-2');
  const m = managers({}, { a: running });
  const result = await new ManagerPool([config('a', 2), config('b', 1)], m.open).run(
    jobRequest(out.path),
  );
  assert.equal(result.status, 'passed');
  assert.deepEqual(m.ran, ['b']);
  const idle = managers({});
  await new ManagerPool([config('a', 1), config('b', 3)], idle.open).run(jobRequest(out.path));
  assert.deepEqual(idle.ran, ['b']);
  out.remove();
  busy.remove();
});

test('jobs running at once spread over the managers', async () => {
  const out = tempDir();
  const m = managers({ a: 'hangs', b: 'hangs' });
  const pool = new ManagerPool([config('a'), config('b')], m.open);
  const controller = new AbortController();
  const runs = [1, 2].map((i) =>
    pool.run(jobRequest(join(out.path, `${i}`), { signal: controller.signal })),
  );
  while (m.ran.length < 2) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  const results = await Promise.all(runs);
  assert.deepEqual(m.ran.sort(), ['a', 'b']);
  assert.deepEqual(
    results.map((r) => r.summary),
    ['the job was cancelled', 'the job was cancelled'],
  );
  out.remove();
});

test('a manager that fails before the job starts is skipped, without a retry', async () => {
  const out = tempDir();
  const m = managers({ a: 'unreachable' });
  const pool = new ManagerPool([config('a', 5), config('b')], m.open);
  const req = jobRequest(out.path);
  const result = await pool.run(req);
  assert.equal(result.status, 'passed');
  assert.deepEqual(m.ran, ['b']);
  assert.deepEqual(statusMessages(req.events), []);
  assert.deepEqual(pool.unhealthy(), ['a']);
  out.remove();
});

test('a job whose manager dies mid-run finishes on another, each event reported once', async () => {
  const out = tempDir();
  const m = managers({ a: 'dies' });
  const req = jobRequest(out.path);
  const result = await new ManagerPool([config('a', 2), config('b')], m.open).run(req);
  assert.equal(result.status, 'passed');
  assert.deepEqual(m.ran, ['a', 'b']);
  const [lost, ...more] = statusMessages(req.events);
  assert.match(lost ?? '', /manager a closed the channel before sending the result; retrying/);
  assert.deepEqual(more, []);
  assert.equal(outputCount(req.events), 2);
  out.remove();
});

test('a job lost on two managers ends with status error naming both, and is not tried a third time', async () => {
  const out = tempDir();
  const m = managers({ a: 'dies', b: 'dies' });
  const req = jobRequest(out.path);
  const result = await new ManagerPool([config('a'), config('b'), config('c')], m.open).run(req);
  assert.equal(result.status, 'error');
  assert.equal(result.exitCode, 5);
  assert.match(result.summary, /manager a was lost mid-run, and so was manager b on the retry/);
  assert.deepEqual(m.ran, ['a', 'b']);
  out.remove();
});

test('a job lost mid-run with nowhere to retry ends with status error naming the manager', async () => {
  const out = tempDir();
  const m = managers({ a: 'dies', b: 'unreachable' });
  const result = await new ManagerPool([config('a', 2), config('b')], m.open).run(
    jobRequest(out.path),
  );
  assert.equal(result.status, 'error');
  assert.match(
    result.summary,
    /manager a was lost mid-run and no other manager could take the job \(cannot reach manager b/,
  );
  out.remove();
});

test('a job the manager refuses on policy is not sent to another manager', async () => {
  const out = tempDir();
  const m = managers({});
  const req = jobRequest(out.path, {
    spec: 'build: make\nnetwork:\n  allow: [example.com]\n',
    policy: { allow: ['example.com'] },
  });
  await assert.rejects(
    new ManagerPool([config('a', 2), config('b')], m.open).run(req),
    /does not allow example\.com/,
  );
  assert.deepEqual(m.ran, []);
  out.remove();
});

test('with every manager unreachable the job fails naming each problem', async () => {
  const out = tempDir();
  const m = managers({ a: 'unreachable', b: 'unreachable' });
  await assert.rejects(
    new ManagerPool([config('a'), config('b')], m.open).run(jobRequest(out.path)),
    /no manager could take job .*cannot reach manager a.*cannot reach manager b/,
  );
  out.remove();
});

test('a warmed session is taken by the next job instead of opening another', async () => {
  const out = tempDir();
  const m = managers({});
  const pool = new ManagerPool([config('a')], m.open);
  pool.warm();
  assert.deepEqual(m.opened, ['a']);
  assert.equal((await pool.run(jobRequest(out.path))).status, 'passed');
  assert.deepEqual(m.opened, ['a']);
  pool.release();
  out.remove();
});

test('releasing a warmed pool closes sessions no job took', async () => {
  let closed = 0;
  const m = managers({});
  const pool = new ManagerPool([config('a'), config('b')], async (c) => {
    const s = await m.open(c);
    return { ...s, close: () => (closed++, s.close()) };
  });
  pool.warm();
  pool.release();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, 2);
  assert.deepEqual(m.ran, []);
});

test.run();
