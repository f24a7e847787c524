// VmSnapshot: jobs started from one saved guest are still each their own: fresh random bytes, the
// host's time and a hostname of their own (TCG here; the state is saved by the first job).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import { imagePaths } from '../../src/worker/image/image-paths.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { savedRam } from '../../src/worker/vm/vm-snapshot.js';
import { testWorkerImage } from '../helpers/test-image.js';
import type { Limits } from '../../src/spec/types.js';
import { runBuild, type BuildResult } from './run-build.js';

await testWorkerImage();
process.env.CONTRACTOR_VM_SNAPSHOT = 'on';

const DRAW = 'head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"; echo; date +%s; hostname';

function workerLog(r: BuildResult): string {
  return r.events
    .flatMap((e) => (e.type === 'output' && e.phase === 'worker' ? [e.chunk.toString()] : []))
    .join('');
}

async function draw(
  limits: Partial<Limits> = {},
): Promise<{ random: string; time: number; host: string; log: string }> {
  const r = await runBuild(new VmDriver(), { build: DRAW, limits });
  assert.equal(r.outcome.phases[0]?.exitCode, 0, r.stderr + workerLog(r));
  const [random = '', time = '', host = ''] = r.stdout.trim().split('\n');
  return { random, time: Number(time), host, log: workerLog(r) };
}

test('two restored jobs draw different random bytes, see the host time and have their own names', async () => {
  await draw(); // saves the guest, if no earlier run did
  const states = await readdir(join(imagePaths('worker').dir, 'snapshots'));
  assert.ok(
    states.some((s) => s.endsWith('.vmstate')),
    'no saved guest',
  );
  const a = await draw();
  const b = await draw();
  for (const r of [a, b]) {
    assert.doesNotMatch(r.log, /cold/, 'the job was not restored');
    assert.match(r.random, /^[0-9a-f]{64}$/);
    // Generous: the saved guest's clock is minutes old by now, the host's is not.
    assert.ok(Math.abs(r.time - Date.now() / 1000) < 120, `guest time ${r.time}`);
  }
  assert.notEqual(a.random, b.random);
  assert.notEqual(a.host, b.host);
});

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

// Every restore maps the saved RAM copy-on-write: what one job leaves in its guest's memory never
// reaches the saved guest, nor the next job started from it.
test("a restored job's memory is its own: the saved RAM is unchanged and the next job sees nothing of it", async () => {
  await draw();
  const dir = join(imagePaths('worker').dir, 'snapshots');
  const newest = async (): Promise<string> => {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.vmstate'));
    const { statSync } = await import('node:fs');
    names.sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
    return join(dir, names[0] as string);
  };
  const ram = savedRam(await newest());
  const before = await sha256(ram);
  const secret = randomBytes(8).toString('hex');
  // /dev/shm is guest RAM; 64 MiB more of it is written so that pages beyond the kernel's change.
  const left = await runBuild(new VmDriver(), {
    build: `echo ${secret} > /dev/shm/left; head -c 64M /dev/zero | tr '\\0' x > /dev/shm/fill; sync`,
  });
  assert.equal(left.outcome.phases[0]?.exitCode, 0, left.stderr);
  const next = await runBuild(new VmDriver(), {
    build: 'cat /dev/shm/left 2>/dev/null || echo nothing',
  });
  assert.equal(next.outcome.phases[0]?.exitCode, 0, next.stderr + workerLog(next));
  assert.doesNotMatch(workerLog(next), /cold/, 'the next job was not restored');
  assert.equal(next.stdout.trim(), 'nothing');
  assert.equal(await sha256(ram), before, 'the saved RAM changed');
});

// VmSnapshot: a state that will not load (here, cut short) costs a cold boot, said in the log, and is
// saved afresh for the jobs after; QEMU dying with the start line unread must not end the manager.
// A guest shape of this case's own (no other file asks for 999 MiB): a job of another process on
// this machine never loads, forgets or saves again the state this case cuts.
const OWN_SHAPE: Partial<Limits> = { memoryBytes: 999 * 1024 ** 2 };

test('a saved state that will not load: the job boots cold, says so, and passes', async () => {
  await draw(OWN_SHAPE);
  const dir = join(imagePaths('worker').dir, 'snapshots');
  const { statSync, truncateSync } = await import('node:fs');
  // Every saved shape is cut: other files' jobs (other memory or cpu sizes) save states of their
  // own, and the newest file need not be the one this job's shape loads.
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.vmstate'))) {
    const state = join(dir, name);
    truncateSync(state, Math.floor(statSync(state).size / 2));
  }
  const r = await draw(OWN_SHAPE);
  assert.match(r.log, /could not be restored[\s\S]*booting cold/);
  const again = await draw(OWN_SHAPE);
  assert.doesNotMatch(again.log, /cold/, 'no fresh state was saved after the broken one');
});

test.run();
