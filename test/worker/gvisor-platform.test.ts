// The kvm platform probe: a runsc that hangs on /dev/kvm (as this host's PVM one does) must not hang
// the probe or leave processes behind, and doctor must say which platform gVisor uses.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { GvisorDriver } from '../../src/worker/gvisor/gvisor-driver.js';
import { runsOnKvm } from '../../src/worker/gvisor/platform-probe.js';

/** Running, not a zombie awaiting its reaper (kill(pid, 0) succeeds on those too). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Runs the probe against a stand-in runsc on PATH; returns its verdict and the stand-in's child. */
async function withStandIn(
  body: string,
  timeoutMs: number,
): Promise<{ ok: boolean; child: number }> {
  const bin = mkdtempSync('/var/tmp/contractor-fake-runsc-');
  const path = process.env.PATH;
  try {
    writeFileSync(join(bin, 'runsc'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    process.env.PATH = `${bin}:${path}`;
    process.env.STAND_IN_PID_FILE = join(bin, 'child.pid');
    const ok = await runsOnKvm(timeoutMs);
    const child = Number(readFileSync(join(bin, 'child.pid'), 'utf8').trim());
    return { ok, child };
  } finally {
    process.env.PATH = path;
    rmSync(bin, { recursive: true, force: true });
  }
}

test('a kvm sandbox that never finishes gives ptrace, and its whole process group is killed', async () => {
  // The stand-in's own child stands for runsc's sandbox and gofer: killing only runsc would leave it.
  const r = await withStandIn('sleep 300 & echo $! > "$STAND_IN_PID_FILE"; wait', 1000);
  assert.equal(r.ok, false);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(alive(r.child), false, `the stand-in's child ${r.child} outlived the probe`);
});

test('a kvm sandbox that finishes gives kvm', async () => {
  const r = await withStandIn('sleep 0 & echo $! > "$STAND_IN_PID_FILE"; exit 0', 30_000);
  assert.equal(r.ok, true);
});

test('doctor says which platform gVisor uses and why', async () => {
  const p = await new GvisorDriver().probe();
  if (!p.ok) return console.log(`  (runsc does not work here: ${p.detail})`);
  assert.match(p.detail, /platform (ptrace|kvm): \S/);
});

test.run();
