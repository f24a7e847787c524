// The SSH layer against a real OpenSSH server on 127.0.0.1, its key restricted to a forced
// command that serves the real protocol with a stub executor (test/e2e runs real builds).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { ManagerPool } from '../../src/manager/remote/manager-pool.js';
import { runRemoteAttempt } from '../../src/manager/remote/remote-attempt.js';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { openSshSession } from '../../src/manager/remote/ssh-session.js';
import { fingerprintOf } from '../../src/manager/remote/host-key.js';
import { jobRequest } from '../helpers/in-process-manager.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { tempDir } from '../helpers/tmp.js';

const STUB = fileURLToPath(new URL('../helpers/stub-manager.js', import.meta.url));
const stubCommand = (hang: boolean) => (dir: string) =>
  `env CONTRACTOR_HOME=${dir} STUB_HANG=${hang ? 1 : 0} ${process.execPath} ${STUB}`;

let quick: TestSshd;
let hanging: TestSshd;

test.before(async () => {
  quick = await startSshd('quick', stubCommand(false));
  hanging = await startSshd('hanging', stubCommand(true));
});

test.after(async () => {
  await quick.stop();
  await hanging.stop();
});

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a job crosses a real sshd to the forced command and back', async () => {
  const out = tempDir();
  const session = await openSshSession(quick.manager());
  assert.equal(session.hello.role, 'manager');
  const source = Buffer.alloc(5 * 1024 ** 2, 1);
  const result = await runRemoteAttempt(session, jobRequest(out.path, { source }));
  assert.equal(result.status, 'passed', quick.log());
  assert.match(readFileSync(join(out.path, 'log.txt'), 'utf8'), /of 5242880 bytes/);
  out.remove();
});

test('a host key other than the pinned one is refused, naming the key seen', async () => {
  const wrong = hanging.hostKey;
  await assert.rejects(
    openSshSession(quick.manager({ hostKey: wrong })),
    /manager quick \(127\.0\.0\.1:\d+\) presented host key SHA256:\S+, which is not the key pinned in test:quick: hostKey; refused/,
  );
});

test('a known_hosts file without the manager is refused, never trusted on first use', async () => {
  const t = tempDir();
  const file = join(t.path, 'known_hosts');
  writeFileSync(file, `[127.0.0.1]:${hanging.port} ${hanging.hostKey}\n`);
  await assert.rejects(
    openSshSession(quick.manager({ hostKey: undefined, knownHosts: file })),
    new RegExp(`has no key for \\[127\\.0\\.0\\.1\\]:${quick.port}`),
  );
  writeFileSync(file, `[127.0.0.1]:${quick.port} ${hanging.hostKey}\n`);
  await assert.rejects(
    openSshSession(quick.manager({ hostKey: undefined, knownHosts: file })),
    /presented host key .* not the key pinned in .*known_hosts/,
  );
  writeFileSync(file, `[127.0.0.1]:${quick.port} ${quick.hostKey}\n`);
  const ok = await openSshSession(quick.manager({ hostKey: undefined, knownHosts: file }));
  ok.close();
  t.remove();
});

test('a configured fingerprint pins the key too', async () => {
  const blob = Buffer.from(quick.hostKey.split(' ')[1] as string, 'base64');
  const s = await openSshSession(quick.manager({ hostKey: fingerprintOf(blob) }));
  s.close();
});

test('a version mismatch is refused with a message naming both versions', async () => {
  await assert.rejects(
    openSshSession(quick.manager(), { protocol: 99 }),
    /manager quick speaks contractor protocol 2 .*this client speaks protocol 99.*install the same contractor version/,
  );
});

test('closing the SSH connection cancels the job on the manager', async () => {
  const out = tempDir();
  const controller = new AbortController();
  const session = await openSshSession(hanging.manager());
  const req = jobRequest(out.path, { signal: controller.signal });
  const run = runRemoteAttempt(session, req);
  await until(() => req.events.length > 0, 'the job to start');
  controller.abort();
  await assert.rejects(run, /the job was cancelled/);
  await until(() => existsSync(join(hanging.dir, `cancelled-${req.id}`)), 'the manager to cancel');
  const running = new RunningJobs(join(hanging.dir, 'manager', 'running'));
  await until(
    () => readdirSync(join(hanging.dir, 'manager', 'running')).length === 0,
    'no running job',
  );
  assert.deepEqual(await running.list(), []);
  out.remove();
});

test('a manager killed mid-job is retried on another and the job finishes there', async () => {
  const out = tempDir();
  const pool = new ManagerPool([hanging.manager({ capacity: 5 }), quick.manager()]);
  const req = jobRequest(out.path);
  const run = pool.run(req);
  const running = new RunningJobs(join(hanging.dir, 'manager', 'running'));
  let victim: number | undefined;
  await until(() => req.events.length > 0, 'the job to start on the first manager');
  victim = (await running.list())[0]?.pid;
  assert.ok(victim, 'the serving process is registered');
  process.kill(victim, 'SIGKILL');
  const result = await run;
  assert.equal(result.status, 'passed');
  const statuses = req.events.filter((e) => (e as { type: string }).type === 'status');
  assert.equal(statuses.length, 1);
  assert.match(
    (statuses[0] as { message: string }).message,
    /manager hanging closed the channel before sending the result; retrying the job on another manager/,
  );
  assert.deepEqual(pool.unhealthy(), ['hanging']);
  out.remove();
});

test.run();
