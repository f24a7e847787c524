// VmSnapshot: jobs started from one saved guest are still each their own: fresh random bytes, the
// host's time and a hostname of their own (TCG here; the state is saved by the first job).
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import { imagePaths } from '../../src/worker/image/image-paths.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { runBuild, type BuildResult } from './run-build.js';

await testWorkerImage();
process.env.CONTRACTOR_VM_SNAPSHOT = 'on';

const DRAW = 'head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"; echo; date +%s; hostname';

function workerLog(r: BuildResult): string {
  return r.events
    .flatMap((e) => (e.type === 'output' && e.phase === 'worker' ? [e.chunk.toString()] : []))
    .join('');
}

async function draw(): Promise<{ random: string; time: number; host: string; log: string }> {
  const r = await runBuild(new VmDriver(), { build: DRAW });
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

test.run();
