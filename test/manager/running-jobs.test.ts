// A manager counts the jobs of all its SSH sessions from one directory: an entry being added while
// another session lists must never be taken for a dead one and removed.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'uvu';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { tempDir } from '../helpers/tmp.js';

// Other sessions are other processes: two list in a loop while this one adds. Before entries were
// renamed into place, each of four runs here lost 1 to 10 entries of 2000.
const MODULE = new URL('../../src/manager/remote/running-jobs.js', import.meta.url).href;

test('entries added while other processes list are all counted, none removed as stale', async () => {
  const tmp = tempDir('contractor-running-');
  const listers = [1, 2].map(() =>
    spawn(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(MODULE)}).then(async ({ RunningJobs }) => {
           const jobs = new RunningJobs(${JSON.stringify(tmp.path)});
           process.stdout.write('ready\\n');
           for (;;) await jobs.list();
         })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  try {
    await Promise.all(listers.map((p) => once(p.stdout, 'data')));
    const jobs = new RunningJobs(tmp.path);
    // Added 20 at a time, as sessions do: each write is a create, then a write.
    for (let i = 0; i < 2000; i += 20)
      await Promise.all(Array.from({ length: 20 }, (_, k) => jobs.add(`job-${i + k}`)));
    for (const p of listers) p.kill('SIGKILL');
    assert.equal((await jobs.list()).length, 2000);
  } finally {
    for (const p of listers) p.kill('SIGKILL');
    tmp.remove();
  }
});

test("a dead process's entries, whole or half written, are removed; a live one's are kept", async () => {
  const tmp = tempDir('contractor-running-');
  try {
    const jobs = new RunningJobs(tmp.path);
    await jobs.add('live');
    // pid 2**22 + 1 is above the kernel's pid_max: no process has it.
    const dead = 2 ** 22 + 1;
    writeFileSync(join(tmp.path, `${dead}-gone`), `${dead}\n`);
    writeFileSync(join(tmp.path, `.${dead}-half`), '');
    writeFileSync(join(tmp.path, `.${process.pid}-writing`), '');
    const live = await jobs.list();
    assert.deepEqual(
      live.map((j) => j.id),
      [`${process.pid}-live`],
    );
    assert.deepEqual(readdirSync(tmp.path).sort(), [
      `.${process.pid}-writing`,
      `${process.pid}-live`,
    ]);
  } finally {
    tmp.remove();
  }
});

test.run();
