// Starting a job's netns holder, and keeping one started ahead of the job it will serve: its node
// start and its trap overlap the caller's own start (loading, git, spec, policy).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { FIRST_PHASE_FD, MAX_PHASES, type HolderMessage } from './holder-protocol.js';
import { holderProgramFor, PROGRAM_FD, type HolderProgram } from './holder-program.js';
import { jobUid } from './job-uid.js';
import { childOf } from './process-tree.js';

export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Holder {
  child: ChildProcess;
  /** The uid its namespaces run as (a root manager's fresh job uid), or undefined for our own. */
  uid: number | undefined;
  toolPath: string;
  /** The holder's pid (in our pid namespace) once it has said hello; undefined if it ended first. */
  hello: Promise<number | undefined>;
}

/** Throws (a ContractorError) when the holder's uid could not run its program. */
export function spawnHolder(
  toolPath: string,
  uid: number | undefined,
  program: HolderProgram = holderProgramFor(uid),
): Holder {
  const stdio = [
    'pipe',
    'pipe',
    'pipe',
    'ipc',
    ...Array.from({ length: FIRST_PHASE_FD - 4 + 2 * MAX_PHASES }, () => 'pipe' as const),
    ...(program.fd !== undefined ? [program.fd] : []),
  ];
  const argv = [
    '--user',
    '--map-root-user',
    '--net',
    // The build shares the holder's IPC namespace (bwrap makes none), so the holder can size it.
    '--ipc',
    '--mount',
    // Processes: the holder is init of a pid namespace of its own, so its end is the end of
    // everything under it, whatever a build did to its sandbox's ties to us.
    '--pid',
    '--fork',
    // bwrap finds its sandbox's processes in /proc by the pids it sees: a /proc of the host's
    // namespace would show it others'.
    '--mount-proc',
    '--kill-child',
    process.execPath,
    ...program.args,
  ];
  const drop =
    uid === undefined
      ? []
      : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
  const [cmd, ...args] = [...drop, 'unshare', ...argv] as [string, ...string[]];
  // Its own process group, so ending the job is one kill; no environment of the manager's goes in.
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, {
      stdio: stdio as ('pipe' | 'ipc' | number)[],
      detached: true,
      env: { PATH: toolPath },
      // Not the caller's directory, which the job's uid may not be let into.
      cwd: '/',
    });
  } finally {
    // The holder has its own copy now; it closes that as its job starts (closeInheritedFds).
    if (program.fd !== undefined) closeSync(program.fd);
  }
  // Whatever of its group outlives it goes at once: a sandbox it was starting as it exited
  // (bwrap before its --die-with-parent took hold) would hold its pipes open, and the job, for ever.
  child.once('exit', () => killGroup(child));
  const hello = new Promise<number | undefined>((resolve) => {
    const onMessage = (m: HolderMessage): void => {
      if (m.type !== 'hello') return;
      child.off('message', onMessage);
      // Pid 1 in its own namespace, the holder is unshare's one child in ours.
      const pid = child.pid !== undefined ? childOf(child.pid) : undefined;
      if (pid === undefined) killGroup(child); // FailClosed: no pid, no limits watched
      resolve(pid);
    };
    child.on('message', onMessage);
    child.once('exit', () => resolve(undefined));
    child.once('error', () => resolve(undefined));
  });
  return { child, uid, toolPath, hello };
}

export function holderRunning(h: Holder): boolean {
  return h.child.exitCode === null && h.child.signalCode === null;
}

/** The holder's process group: unshare and the holder, whose pid namespace takes everything under it. */
export function killHolder(h: Holder): void {
  if (holderRunning(h)) killGroup(h.child);
}

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** An unused warm holder must not keep its process alive; a taken one must. */
function setRef(h: Holder, ref: boolean): void {
  for (const handle of [h.child, h.child.channel, ...h.child.stdio]) {
    const r = handle as { ref?: () => void; unref?: () => void } | null | undefined;
    if (ref) r?.ref?.();
    else r?.unref?.();
  }
}

let warm: Holder | undefined;

/** Starts the next job's holder now; without a job it waits, trap armed, until taken or discarded. */
export function warmHolder(): void {
  if (warm) return;
  try {
    warm = spawnHolder(TOOL_PATH, jobUid());
  } catch {
    return; // only a head start: the job spawns its own holder and reports what fails
  }
  warm.child.on('error', () => undefined); // reported, if ever taken, through its hello and exit
  setRef(warm, false);
}

/** The warm holder if it can serve a job with this tool path, else undefined (and it is ended). */
export function takeWarmHolder(toolPath: string): Holder | undefined {
  const h = warm;
  warm = undefined;
  if (!h) return undefined;
  if (h.toolPath !== toolPath || !holderRunning(h)) {
    killHolder(h);
    return undefined;
  }
  setRef(h, true);
  return h;
}

export function discardWarmHolder(): void {
  const h = warm;
  warm = undefined;
  if (h) killHolder(h);
}
