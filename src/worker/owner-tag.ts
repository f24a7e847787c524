// What a job leaves on the host while it runs (scratch directories, cgroups) carries its owner in
// its name: the boot, the pid, and that process's start time. A later run can then tell what a
// killed owner left (SIGKILL, the OOM killer: no cleanup code of its ran) and remove it, and
// never mistakes a live run's for one: a reused pid has another start time. A pid means something
// only in its own pid namespace, so the tag names that too: a run in a container or a chroot
// with its own /proc shares the host's cgroups and /tmp, and its pids are not ours to judge.
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * `<name>-<boot>n<pidns>.<pid>.<start>-<6 random>`: the boot's id (8 hex), the pid namespace's
 * inode, the pid, its start in ticks. Names from before the namespace was tagged lack `n<pidns>`.
 */
const OWNED = /^.+-([0-9a-f]{8})(?:n(\d+))?\.(\d+)\.(\d+)-[A-Za-z0-9]{6}$/;

let boot: string | null | undefined;

/** This boot's id (its first 8 hex digits), read once: it cannot change while we run. */
function bootId(): string | null {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').slice(0, 8);
    } catch {
      boot = null;
    }
  }
  return boot;
}

let pidns: string | null | undefined;

/** The inode of this process's pid namespace, read once, or null where /proc cannot say. */
function pidNamespace(): string | null {
  if (pidns === undefined) {
    try {
      pidns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? null;
    } catch {
      pidns = null;
    }
  }
  return pidns;
}

/** A process's start time in clock ticks since boot, or undefined if /proc shows no such process. */
function startTicks(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function tagFor(pid: number, entry: number | 'self'): string | null {
  const thisBoot = bootId();
  const start = startTicks(entry);
  const ns = pidNamespace();
  return thisBoot && start ? `${thisBoot}${ns ? `n${ns}` : ''}.${pid}.${start}` : null;
}

/** The tag of a running process, or null where /proc cannot tell (then names carry no owner). */
export function ownerTagOf(pid: number): string | null {
  return tagFor(pid, pid);
}

let ownTag: string | null | undefined;

/** This process's tag, read through /proc/self (the pid namespace of /proc may not be ours). */
export function ownerTag(): string | null {
  if (ownTag === undefined) ownTag = tagFor(process.pid, 'self');
  return ownTag;
}

/**
 * `<label>-<tag>-`, the start of a name OWNED recognises, to be ended by six random characters
 * (mkdtemp's, or the caller's); just `<label>-` where /proc gives no tag.
 */
export function ownedPrefix(label: string): string {
  const tag = ownerTag();
  return `${label}-${tag ? `${tag}-` : ''}`;
}

/**
 * Whether a process with this pid exists, ours or not: signal 0 checks without sending anything,
 * and EPERM means it exists under another user. (/proc may hide other users' processes.)
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether this process can tell if the name's owner runs: it carries a tag of our pid namespace. */
export function ownerJudgeable(name: string): boolean {
  const m = OWNED.exec(name);
  return m !== null && (m[2] === undefined || m[2] === pidNamespace());
}

/**
 * True only when the name carries an owner tag and that owner is certainly not running: it was
 * of another boot, or its pid is free, or now belongs to a process started at another time.
 */
export function ownerGone(name: string): boolean {
  const m = OWNED.exec(name);
  const thisBoot = m && bootId();
  if (!m || !thisBoot) return false;
  const [, named, ns, pid, start] = m as unknown as [
    string,
    string,
    string | undefined,
    string,
    string,
  ];
  if (named !== thisBoot) return true;
  // Another pid namespace's pid names no process here: its owner may well be running.
  if (ns !== undefined && ns !== pidNamespace()) return false;
  const now = startTicks(Number(pid));
  return now === undefined ? !processExists(Number(pid)) : now !== start;
}
