// Hard*Limit: the manager's poll of the build's usage, from its cgroups or else from its process tree.
import type { LimitName, Limits } from '../../spec/types.js';
import type { JobCgroup } from './cgroup.js';
import { treeUsage } from './process-tree.js';

const WATCH_MS = 100;
/** bwrap's outer process sits between the holder and the build (the build is its sandbox's pid 1). */
const BWRAP_TASKS = 1;

export interface LimitWatch {
  /** Peak memory seen since the last reset, in bytes. */
  peakMemoryBytes(): number;
  resetPeak(): void;
  /**
   * The job's CPU time so far: the cgroup's counter, or else the most the polled process tree has
   * shown (what a phase's end kills is never reaped where its time would be counted, so the poll is all there is).
   */
  cpuMs(): number;
  /** Reads the counters now: a limit that killed a phase between two polls is still named. */
  poll(): void;
  stop(): void;
}

interface Seen {
  peak: number;
  cpu: number;
  /** The last own CPU time of every process ever polled, and their sum. */
  ownMs: Map<string, number>;
  ownTotal: number;
}

/**
 * HardCPULimit: a child the kernel reaps itself (SIGCHLD ignored) leaves no trace in any parent's
 * counters, so each process's own time is kept from the polls after it is gone. One that lives
 * less than a poll is still lost: per-process-limits.ts says so in the result.
 */
function addOwnTimes(seen: Seen, ownMs: Map<string, number>): void {
  for (const [key, ms] of ownMs) {
    seen.ownTotal += ms - (seen.ownMs.get(key) ?? 0);
    seen.ownMs.set(key, ms);
  }
}

function treeCrossed(holderPid: number, limits: Limits, seen: Seen): LimitName | undefined {
  const u = treeUsage(holderPid);
  if (!u) return undefined;
  addOwnTimes(seen, u.ownMs);
  seen.peak = Math.max(seen.peak, u.rssBytes);
  // Two counts that each miss some time: the tree misses the self-reaped, the own times what ran unpolled.
  seen.cpu = Math.max(seen.cpu, u.cpuMs, seen.ownTotal);
  // RLIMIT_NPROC holds the build one or two tasks short of the cap (the holder's count drifts by a thread).
  if (u.tasks - BWRAP_TASKS >= limits.processes - 1) return 'processes';
  if (u.rssBytes > limits.memoryBytes) return 'memory';
  if (seen.cpu > limits.cpuMs) return 'cpu';
  return undefined;
}

/** Calls end with the first limit crossed; holderPid is read lazily because the holder says hello later. */
export function watchLimits(
  limits: Limits,
  cgroup: JobCgroup | undefined,
  holderPid: () => number,
  end: (limit: LimitName) => void,
): LimitWatch {
  const seen: Seen = { peak: 0, cpu: 0, ownMs: new Map(), ownTotal: 0 };
  const poll = (): void => {
    const pid = holderPid();
    const crossed = cgroup
      ? safely(() => cgroup.crossed())
      : pid
        ? safely(() => treeCrossed(pid, limits, seen))
        : undefined;
    if (crossed) end(crossed);
  };
  const timer = setInterval(poll, WATCH_MS);
  return {
    peakMemoryBytes: () => (cgroup ? (safely(() => cgroup.peakMemoryBytes()) ?? 0) : seen.peak),
    resetPeak: () => (cgroup ? safely(() => cgroup.resetPeak()) : (seen.peak = 0)),
    cpuMs: () => (cgroup ? (safely(() => cgroup.cpuMs()) ?? 0) : seen.cpu),
    poll,
    stop: () => clearInterval(timer),
  };
}

/** A process or cgroup file that vanished between listing and reading is not a limit. */
function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
