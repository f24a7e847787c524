// Cgroups named before owner tags existed cannot name their owner: a new job's cgroup removes only
// the ones that have stood empty for a day, and kills nothing in any of them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import { createJobCgroup, type JobCgroup } from '../../src/worker/namespace/cgroup.js';
import { cgroupsNamed } from '../helpers/cgroups.js';
import { TEST_LIMITS } from './job-harness.js';

test('an untagged cgroup is removed once empty for a day; a younger or busy one is left', async () => {
  const first = createJobCgroup(`sweep-a-${process.pid}`, TEST_LIMITS);
  if (!first) {
    // Without root or delegation this manager makes no cgroups, and sweeps none.
    assert.notEqual(process.geteuid?.(), 0, 'root on this machine has cgroups');
    return;
  }
  let second: JobCgroup | undefined;
  const parent = dirname(dirname(first.procsFiles[0] as string));
  const dayAgo = (Date.now() - 25 * 60 * 60_000) / 1000;
  const made = ['idle', 'young', 'busy'].map((n) => join(parent, `contractor-old-${n}-AbC123`));
  const [idle, young, busy] = made as [string, string, string];
  made.forEach((d) => mkdirSync(d));
  utimesSync(idle, dayAgo, dayAgo);
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    writeFileSync(join(busy, 'cgroup.procs'), String(sleeper.pid));
    utimesSync(busy, dayAgo, dayAgo);
    second = createJobCgroup(`sweep-b-${process.pid}`, TEST_LIMITS);
    assert.equal(existsSync(idle), false, 'empty for a day: removed');
    assert.equal(existsSync(young), true, 'empty, but made just now');
    assert.equal(existsSync(busy), true, 'a task inside');
    assert.equal(sleeper.exitCode, null, 'and its task is not killed');
    assert.equal(sleeper.signalCode, null);
  } finally {
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => sleeper.once('exit', resolve));
    for (const d of made)
      for (let i = 0; i < 100 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await new Promise((r) => setTimeout(r, 10)); // its killed task is still leaving
        }
      }
    await Promise.all([first.remove(), second?.remove()]);
  }
  assert.deepEqual(cgroupsNamed('contractor-old-*-AbC123'), []);
});

test.run();
