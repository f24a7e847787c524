// A manager that dies (SIGKILL: no cleanup code runs) must not leave its worker running on:
// a build nobody supervises has no wall limit, no proxy and no one to report it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { processes, processesMatching } from '../helpers/processes.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = fileURLToPath(new URL('./job-child.js', import.meta.url));
// Its vm case runs before vm.test.js (the files run in name order): on a fresh machine no image
// is there yet, and an image left by an earlier run hid that here.
await testWorkerImage();

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Every process below root now: after root dies they are reparented and hard to find. */
function descendants(root: number): number[] {
  const all = processes().map((p) => ({ pid: p.pid, ppid: Number(statFields(p.pid)?.[1] ?? -1) }));
  const out: number[] = [];
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop())
    for (const c of all) if (c.ppid === pid) (out.push(c.pid), queue.push(c.pid));
  return out;
}

/** Running, as opposed to gone or a zombie waiting for its new parent to reap it. */
function alive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

for (const driver of ['namespace', 'gvisor', 'vm']) {
  test(`${driver}: SIGKILL of the manager mid-build leaves no worker process behind`, async () => {
    const id = `orphan${Math.floor(Math.random() * 1e9)}`;
    const dir = tempDir('contractor-orphan-');
    const child = spawn(process.execPath, [CHILD, driver, id, dir.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 120_000;
    while (!out.includes('running')) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the job never ran: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const suspects = new Set([
      ...descendants(child.pid ?? 0),
      ...processesMatching(id).map((p) => p.pid),
    ]);
    assert.ok(suspects.size > 0);
    child.kill('SIGKILL');
    // Generous: the watchdog acts at once; a loaded machine only slows the teardown it starts.
    const until = Date.now() + 60_000;
    let left: string[] = [];
    do {
      await new Promise((r) => setTimeout(r, 250));
      left = [
        ...[...suspects].filter(alive).map((pid) => `${pid}`),
        ...processesMatching(id).map((p) => `${p.pid} ${p.cmdline.slice(0, 100)}`),
        // Nor its work directory: disks, sockets and logs of a job nobody will collect.
        ...readdirSync(tmpdir()).filter((name) => name.includes(id)),
      ];
    } while (left.length && Date.now() < until);
    // Leave the machine clean even when the test fails.
    for (const pid of suspects) if (alive(pid)) process.kill(pid, 'SIGKILL');
    dir.remove();
    assert.deepEqual(left, [], `still running 60 s after the manager died: ${left.join('; ')}`);
  });
}

test.run();
