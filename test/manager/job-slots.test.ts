// A manager host runs at most --capacity jobs, counted across its SSH sessions (each its own
// process), at most --client-jobs for one client key, and drops a client whose upload stalls.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { parseServeArgs, slotLimits } from '../../src/cli/manager-serve.js';
import { readFrames, type Frame } from '../../src/manager/remote/frame.js';
import { FrameWriter } from '../../src/manager/remote/frame-writer.js';
import { helloFrame } from '../../src/manager/remote/hello.js';
import { takeJobSlot, type SlotLimits } from '../../src/manager/remote/job-slots.js';
import { jobFrameFor, runRemoteAttempt } from '../../src/manager/remote/remote-attempt.js';
import { jobRequest, serveInProcess } from '../helpers/in-process-manager.js';
import { stubExecutor } from '../helpers/stub-executor.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = fileURLToPath(new URL('./job-slot-child.js', import.meta.url));

const dirs: ReturnType<typeof tempDir>[] = [];
const children: ChildProcess[] = [];
test.after(() => {
  children.forEach((c) => c.kill('SIGKILL'));
  dirs.forEach((d) => d.remove());
});

function slotDir(): string {
  const d = tempDir('contractor-slots-');
  dirs.push(d);
  return join(d.path, 'slots');
}

/** A separate process taking a slot, as a `manager serve` of another SSH session does. */
function session(dir: string, args: string[]): { child: ChildProcess; answer: Promise<string> } {
  const child = spawn(process.execPath, [CHILD, dir, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const answer = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  return { child, answer };
}

test('sessions in separate processes never hold more than --capacity slots; a killed one frees its own', async () => {
  const dir = slotDir();
  const first = await Promise.all(Array.from({ length: 5 }, () => session(dir, ['2'])));
  const answers = await Promise.all(first.map((s) => s.answer));
  assert.equal(answers.filter((a) => a === 'taken').length, 2, answers.join('\n'));
  for (const a of answers.filter((a) => a !== 'taken'))
    assert.match(a, /this manager is full: 2 job\(s\) running, its capacity/);
  const holder = first[answers.indexOf('taken')]!.child;
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  assert.equal(await session(dir, ['2']).answer, 'taken');
  assert.match(await session(dir, ['2']).answer, /this manager is full/);
});

test('one client key holds at most --client-jobs slots; another key still gets the rest', async () => {
  const dir = slotDir();
  assert.equal(await session(dir, ['4', 'alice', '1']).answer, 'taken');
  assert.match(
    await session(dir, ['4', 'alice', '1']).answer,
    /already runs 1 job\(s\) for client alice, its limit/,
  );
  assert.equal(await session(dir, ['4', 'bob', '2']).answer, 'taken');
  assert.equal(await session(dir, ['4', 'bob', '2']).answer, 'taken');
  // alice's refusal gave back the host slot it had not needed: bob's two and alice's one are 3 of 4.
  assert.equal(await session(dir, ['4']).answer, 'taken');
  assert.match(await session(dir, ['4']).answer, /this manager is full/);
});

test('a full manager refuses the job before accepting it, and takes the next once a job ends', async () => {
  const dir = slotDir();
  const limits: SlotLimits = { capacity: 1 };
  const takeSlot = () => takeJobSlot(dir, limits);
  const out = tempDir();
  dirs.push(out);
  let started!: () => void;
  const building = new Promise<void>((r) => (started = r));
  const running = serveInProcess(stubExecutor({ hang: true, onStart: () => started() }), {
    takeSlot,
  });
  const cancel = new AbortController();
  const first = runRemoteAttempt(await running.session(), {
    ...jobRequest(join(out.path, 'a')),
    signal: cancel.signal,
  });
  first.catch(() => undefined);
  // The first job is building, so it holds the only slot.
  await building;
  const refused = serveInProcess(stubExecutor(), { takeSlot });
  await assert.rejects(
    runRemoteAttempt(await refused.session(), jobRequest(join(out.path, 'b'))),
    /manager m1: this manager is full: 1 job\(s\) running/,
  );
  cancel.abort();
  await first.catch(() => undefined);
  await running.served.catch(() => undefined);
  const next = serveInProcess(stubExecutor(), { takeSlot });
  const result = await runRemoteAttempt(await next.session(), jobRequest(join(out.path, 'c')));
  assert.equal(result.status, 'passed');
});

test('a client that stalls in the middle of its upload is dropped with a clear error', async () => {
  const m = serveInProcess(stubExecutor(), { stallMs: 200 });
  const writer = new FrameWriter(m.pipes.toManager);
  const frames = readFrames(m.pipes.fromManager)[Symbol.asyncIterator]();
  await writer.control(helloFrame('client'));
  await writer.control(jobFrameFor(jobRequest('/nonexistent')));
  await writer.data(Buffer.from('the first bytes of a tar, and then nothing'));
  await assert.rejects(
    m.served,
    /the client sent nothing for 200 ms while sending the source: dropped/,
  );
  const sent: Record<string, unknown>[] = [];
  for (let f = await frames.next(); !f.done; f = await frames.next())
    if ((f.value as Frame).kind === 'control')
      sent.push((f.value as Frame & { kind: 'control' }).value as Record<string, unknown>);
  const error = sent.find((f) => f.type === 'error');
  assert.match(String(error?.message), /sent nothing for 200 ms while sending the source/);
});

test('the forced command carries the limits: --capacity, --client, --client-jobs', () => {
  const flags = parseServeArgs([
    'manager',
    'serve',
    '--stdio',
    '--capacity',
    '3',
    '--client',
    'ci-runner',
    '--client-jobs',
    '1',
  ]);
  assert.deepEqual(slotLimits(flags!), { capacity: 3, client: 'ci-runner', perClient: 1 });
  assert.ok(slotLimits({ stdio: true }).capacity >= 1);
  assert.throws(() => slotLimits({ client: '../x' }), /--client "..\/x"/);
  assert.throws(() => slotLimits({ clientJobs: '1' }), /--client-jobs needs --client/);
  assert.throws(() => slotLimits({ capacity: '0' }), /--capacity must be a whole number/);
});

test.run();
