// Starting a job's netns holder, and keeping one started ahead of the job it will serve: its node
// start and its trap overlap the caller's own start (loading, git, spec, policy).
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { installPath } from '../../install-root.js';
import { FIRST_PHASE_FD, MAX_PHASES, type HolderMessage } from './holder-protocol.js';
import { jobUid } from './job-uid.js';

/**
 * The holder's program: its bundle (one file, so it starts sooner) when that is at least as new as
 * the unbundled file, which a bare tsc rewrites; never a stale bundle.
 */
function holderScript(): string {
  const unbundled = installPath('dist', 'src', 'worker', 'namespace', 'netns-holder.js');
  const bundled = installPath('dist', 'bundle', 'netns-holder.cjs');
  const mtime = (p: string): number => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return mtime(bundled) >= mtime(unbundled) ? bundled : unbundled;
}
let holder: string | undefined;
export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Holder {
  child: ChildProcess;
  /** The uid its namespaces run as (a root manager's fresh job uid), or undefined for our own. */
  uid: number | undefined;
  toolPath: string;
  /** The holder's pid once it has said hello; undefined if it ended first. */
  hello: Promise<number | undefined>;
}

export function spawnHolder(toolPath: string, uid: number | undefined): Holder {
  const stdio = [
    'pipe',
    'pipe',
    'pipe',
    'ipc',
    ...Array.from({ length: FIRST_PHASE_FD - 4 + 2 * MAX_PHASES }, () => 'pipe' as const),
  ];
  const argv = [
    '--user',
    '--map-root-user',
    '--net',
    // The build shares the holder's IPC namespace (bwrap makes none), so the holder can size it.
    '--ipc',
    '--mount',
    '--fork',
    '--kill-child',
    process.execPath,
    (holder ??= holderScript()),
  ];
  const drop =
    uid === undefined
      ? []
      : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
  const [cmd, ...args] = [...drop, 'unshare', ...argv] as [string, ...string[]];
  // Its own process group, so ending the job is one kill; no environment of the manager's goes in.
  const child = spawn(cmd, args, {
    stdio: stdio as ('pipe' | 'ipc')[],
    detached: true,
    env: { PATH: toolPath },
  });
  // Whatever of its group outlives it goes at once: a sandbox it was starting as it exited
  // (bwrap before its --die-with-parent took hold) would hold its pipes open, and the job, for ever.
  child.once('exit', () => killGroup(child));
  const hello = new Promise<number | undefined>((resolve) => {
    const onMessage = (m: HolderMessage): void => {
      if (m.type !== 'hello') return;
      child.off('message', onMessage);
      resolve(m.pid);
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

/** The holder's process group: the holder, then bwrap's --die-with-parent and pid namespace take the rest. */
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
