// The netns holder: trusted, outside the build's sandbox, inside the job's own user, net, IPC and mount namespaces.
// Started by the manager as `unshare --user --map-root-user --net --ipc --mount --pid --fork --mount-proc --kill-child
// node netns-holder.js`, so it is init of its own pid namespace, with a /proc of that namespace.
// Kept to node: built-ins so its start stays a few milliseconds.
import { DEFAULT_SHELL } from '../../spec/phase-shell.js';
import { spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Violation } from '../../net/violation.js';
import { jobLayout, sandboxArgs, type JobLayout } from './bwrap-args.js';
import { cgroupJoinArgs } from './cgroup-join.js';
import { childrenCpuMs } from './children-cpu.js';
import {
  OUTPUT_TAR_FD,
  PROXY_PORT,
  type HolderJob,
  type HolderMessage,
} from './holder-protocol.js';
import { closeInheritedFds } from './inherited-fds.js';
import { limitSysvIpc } from './ipc-limits.js';
import { armTrap, takeAttempts } from './network-trap.js';
import { prlimitArgs } from './rlimits.js';
import { syntheticEtc } from './sandbox-etc.js';
import { maskedProc } from './sandbox-proc.js';
import { seccompProgram } from './seccomp.js';
import { diskFull, HOLDER_STATE_DIR, mountJobDisk, mountStateDisk } from './workspace-disk.js';

const IPC_FD = 3;

/** The holder's threads, unshare, and bwrap's outer process share the build's RLIMIT_NPROC count. */
function holderTasks(): number {
  return readdirSync('/proc/self/task').length + 2;
}

/**
 * Processes: nothing of a phase outlives it, not even a build that cut its sandbox's ties to us.
 * kill(-1) from a pid namespace's init reaches every other process in it, and only there.
 */
function endPhaseProcesses(): void {
  // Anywhere else kill(-1) would reach every process of our uid on the host.
  if (process.pid !== 1)
    throw new Error('the holder is not init of its own pid namespace, so it cannot end a phase');
  try {
    process.kill(-1, 'SIGKILL');
  } catch {
    // ESRCH: nothing was left.
  }
}

const DISK_WATCH_MS = 200;

function send(msg: HolderMessage, handle?: import('node:net').Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('the holder has no IPC channel'));
    process.send(msg, handle, {}, (err) => (err ? reject(err) : resolve()));
  });
}

function writeJobFiles(layout: JobLayout, job: HolderJob, sysvIpc: boolean): void {
  mkdirSync(layout.etc);
  for (const [name, text] of Object.entries(syntheticEtc()))
    writeFileSync(join(layout.etc, name), text);
  mkdirSync(layout.proc);
  for (const f of maskedProc()) writeFileSync(join(layout.proc, f.name), f.text);
  const memfd = job.confinement.kind === 'cgroup';
  writeFileSync(layout.seccomp, seccompProgram({ memfd, sysvIpc }));
  job.phases.forEach((p, i) =>
    writeFileSync(join(layout.scripts, `${i}.sh`), p.script, { mode: 0o644 }),
  );
}

/** ConstrainNetworkAccess: the build's proxy address is a socket the manager serves from the host side. */
async function handOverProxy(): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: PROXY_PORT }, resolve);
  });
  try {
    await send({ type: 'proxy' }, server);
  } finally {
    server.close(); // a listener left open would keep the holder alive after a failed job
  }
}

interface SandboxRun {
  exitCode: number | null;
  started: boolean;
}

/** The descriptor a gated sandbox's shell waits on for the holder's word before it runs its command. */
const GATE_FD = 5;

/**
 * A command held by a shell until the holder writes "go" on GATE_FD, which the shell then closes:
 * the sandbox can start while the holder still prepares what the command needs.
 */
function gated(command: string[]): string[] {
  const wait = `read -r word <&${GATE_FD} && [ "$word" = go ] && exec ${GATE_FD}<&- && exec "$@"`;
  return ['sh', '-c', wait, 'contractor-gate', ...command];
}

interface Sandbox {
  /** Ends the sandbox at once. */
  kill: () => void;
  /** For a gated sandbox: lets its command run. */
  go: () => void;
  done: Promise<SandboxRun>;
}

/** One bwrap: confinement prefix, sandbox, command; started means bwrap reached its child, so confinement held. */
function startSandboxed(
  layout: JobLayout,
  job: HolderJob,
  command: string[],
  chdir: string,
  stdio: [number | 'ignore', number | 'ignore', number | 'pipe'],
  gate = false,
): Sandbox {
  const c = job.confinement;
  const prefix = c.kind === 'cgroup' ? cgroupJoinArgs(c.procsFiles) : prlimitArgs(c, holderTasks());
  const seccomp = openSync(layout.seccomp, 'r');
  const run = gate ? gated(command) : command;
  const argv = [...prefix, 'bwrap', ...sandboxArgs(layout, job.env, chdir), '--', ...run];
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: [...stdio, seccomp, 'pipe', ...(gate ? (['pipe'] as const) : [])],
  });
  closeSync(seccomp);
  const gatePipe = (child.stdio as unknown as (Writable | null)[])[GATE_FD] ?? undefined;
  gatePipe?.on('error', () => undefined); // a sandbox that died first is reported by its status
  let status = '';
  child.stdio[4]?.on('data', (c: Buffer) => (status += c.toString()));
  const done = new Promise<SandboxRun>((resolve) => {
    child.on('error', () => resolve({ exitCode: null, started: false }));
    child.on('close', (code) => {
      const started = status.includes('"child-pid"');
      const exit = /"exit-code"\s*:\s*(\d+)/.exec(status);
      resolve({ exitCode: exit ? Number(exit[1]) : started ? null : code, started });
    });
  });
  return { kill: () => child.kill('SIGKILL'), go: () => gatePipe?.end('go\n'), done };
}

function runSandboxed(
  layout: JobLayout,
  job: HolderJob,
  command: string[],
  chdir: string,
  stdio: [number | 'ignore', number | 'ignore', number | 'pipe'],
): Promise<SandboxRun> {
  return startSandboxed(layout, job, command, chdir, stdio).done;
}

/** The input tar is unpacked inside a sandbox too: a restored workspace is the output of an earlier build. */
async function unpackInput(layout: JobLayout, job: HolderJob): Promise<void> {
  // --ignore-zeros: the input may be two archives, one after the other (workspace-stage.ts).
  const unpack = ['tar', '-x', '-f', '-', '--ignore-zeros', '--no-same-owner', '-C', '/workspace'];
  const r = await runSandboxed(layout, job, unpack, '/workspace', [0, 'ignore', 2]);
  if (!r.started) throw new Error('bwrap could not start the sandbox that unpacks the workspace');
  if (r.exitCode !== 0) throw new Error(`unpacking the workspace failed (tar exit ${r.exitCode})`);
}

/** A phase's sandbox, started gated: its command waits for go. */
function startPhase(layout: JobLayout, job: HolderJob, i: number): Sandbox {
  const p = job.phases[i] as HolderJob['phases'][number];
  return startSandboxed(
    layout,
    job,
    [...(p.shell ?? DEFAULT_SHELL), `/.contractor/${i}.sh`],
    '/workspace/src',
    // One pipe for both, as a terminal has: two pipes read apart lose which line came first.
    ['ignore', p.stdoutFd, p.stdoutFd],
    true,
  );
}

/**
 * Runs the phases in order until one fails; true when all passed and the workspace tar was
 * written. The first phase's sandbox was started (gated) while the input was unpacked.
 */
async function runPhases(layout: JobLayout, job: HolderJob, first: Sandbox): Promise<boolean> {
  for (const [i, p] of job.phases.entries()) {
    const sandbox = i === 0 ? first : startPhase(layout, job, i);
    const startedAt = Date.now();
    await send({ type: 'phase', phase: p.name, at: startedAt });
    const cpuBefore = childrenCpuMs();
    let full = false;
    // HardDiskLimit: a full tmpfs ends the phase even if the build ignores its ENOSPC.
    const watch = setInterval(() => {
      if (diskFull(layout)) ((full = true), sandbox.kill());
    }, DISK_WATCH_MS);
    sandbox.go();
    const r = await sandbox.done;
    clearInterval(watch);
    endPhaseProcesses();
    closeSync(p.stdoutFd);
    closeSync(p.stderrFd);
    full ||= diskFull(layout);
    if (!r.started)
      throw new Error(`bwrap could not start the sandbox for the ${p.name} phase (see its stderr)`);
    const exitCode = full ? null : r.exitCode;
    const durationMs = Date.now() - startedAt;
    const last = i === job.phases.length - 1;
    // The last phase's workspace is final: it is packed while the trap is read.
    const packing = last && exitCode === 0 ? packOutput(layout, job) : undefined;
    const violations: Violation[] = await takeAttempts(p.name, !last);
    await send({
      type: 'phase-end',
      phase: p.name,
      exitCode,
      durationMs,
      cpuMs: childrenCpuMs() - cpuBefore,
      violations,
    });
    if (full) await send({ type: 'disk-full' });
    if (packing) return packing;
    if (full || exitCode !== 0) return false;
  }
  return false;
}

/**
 * The holder (not the build) writes the workspace tar; tar -c never follows the build's symlinks.
 * With outputOnly, just the matching entries of src/ are packed, named on tar's stdin.
 */
function packOutput(layout: JobLayout, job: HolderJob): Promise<boolean> {
  let names: string | undefined;
  if (job.outputOnly) {
    try {
      const only = job.outputOnly.map(({ source, flags }) => new RegExp(source, flags));
      const src = join(layout.workspace, 'src');
      // The workspace's own entry (not its contents) leads: tar readers refuse an empty archive.
      // lstat, not exists: a build that made src/ a symlink (to / say) must not have us walk it, or
      // tar follow it, to the host's files.
      const found = lstatSync(src, { throwIfNoEntry: false })?.isDirectory()
        ? matchingEntries(src, only, job.outputOnlyMax ?? Infinity)
        : [];
      names = ['.', ...found.map((rel) => `src/${rel}`)].map((n) => `${n}\0`).join('');
    } catch {
      return Promise.resolve(false); // an unreadable workspace is an incomplete output
    }
  }
  const args = names === undefined ? ['.'] : ['--no-recursion', '--null', '-T', '-'];
  // HardLogLimit: one warning per socket the build left would go to our stderr, unbudgeted.
  const quiet = '--warning=no-file-ignored';
  const child = spawn('tar', ['-c', quiet, '-f', '-', '-C', layout.workspace, ...args], {
    stdio: [names === undefined ? 'ignore' : 'pipe', OUTPUT_TAR_FD, 2],
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(names);
  return new Promise((resolve) => {
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/**
 * Non-directories under root whose relative path a pattern matches, up to max of them; symlinks
 * are not followed.
 */
function matchingEntries(root: string, patterns: RegExp[], max: number): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (found.length >= max) return;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (patterns.some((re) => re.test(path))) found.push(path);
    }
  };
  walk('');
  return found;
}

/**
 * Without a memory cgroup nothing else counts SysV IPC memory, so where the kernel will not let
 * the holder size it (an older kernel), the build gets none: its filter makes shmget,
 * semget and msgget fail. With a cgroup, the cgroup charges it and the limits are only tidiness.
 * Returns whether the build may use System V IPC.
 */
function confineIpc(job: HolderJob): boolean {
  try {
    limitSysvIpc(job.diskBytes, job.ipcSysctls);
    return true;
  } catch (e) {
    if (job.confinement.kind === 'cgroup') return true;
    process.stderr.write(
      `contractor: System V IPC is unavailable to this build: the kernel would not let its ` +
        `limits be set (${e instanceof Error ? e.message : String(e)}), and without cgroups ` +
        'nothing else would bound it\n',
    );
    return false;
  }
}

async function runJob(job: HolderJob): Promise<void> {
  closeInheritedFds(new Set([IPC_FD, ...job.phases.flatMap((p) => [p.stdoutFd, p.stderrFd])]));
  // FailClosed: the trap and the disks are up before anything of the build's runs, or the job ends here.
  // Unpacking the input runs none of the build's code, so only the phases wait for the trap.
  await state;
  await mountJobDisk(layout, job.diskBytes);
  writeJobFiles(layout, job, confineIpc(job));
  // The unpacking is what the build waits for, so its sandbox is started first; the first phase's
  // starts beside it, and its command waits for go.
  const unpacked = unpackInput(layout, job);
  const first = startPhase(layout, job, 0);
  try {
    await Promise.all([trap, handOverProxy(), unpacked]);
  } catch (e) {
    first.kill();
    throw e;
  }
  await send({ type: 'done', outputComplete: await runPhases(layout, job, first) });
}

// Armed and mounted at once, not when the job comes: a holder started ahead of its job has them ready.
const layout = jobLayout(HOLDER_STATE_DIR);
const trap = armTrap();
const state = mountStateDisk(layout);
// Awaited by runJob; this only keeps an early failure from going unhandled.
trap.catch(() => undefined);
state.catch(() => undefined);

let finished = false;
process.once('message', (msg: HolderJob) => {
  runJob(msg)
    .catch((e: unknown) =>
      send({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
    )
    .catch(() => undefined)
    .finally(() => {
      finished = true;
      process.disconnect?.();
      // The job is over, told to the manager: whatever is still running (an unpacking cut short
      // by a failed trap, say) goes with us, the init of its pid namespace.
      process.exit(0);
    });
});
// The manager died (its end of the channel closed): nobody supervises the build any more. Our
// exit takes every sandbox with it: we are init of the pid namespace they all live in.
process.on('disconnect', () => {
  if (!finished) process.exit(137);
});
void send({ type: 'hello' });
