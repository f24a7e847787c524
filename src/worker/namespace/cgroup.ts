// HardRAMLimit, HardCPULimit, processes, when the manager may use cgroups: the job's own cgroup per controller.
import {
  chownSync,
  closeSync,
  openSync,
  writeSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
  existsSync,
  accessSync,
  constants,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { ContractorError } from '../../errors.js';
import type { LimitName, Limits } from '../../spec/types.js';
import { ownerGone, ownerJudgeable } from '../owner-tag.js';

export interface JobCgroup {
  /** Each cgroup.procs a phase's bwrap writes its pid into before it execs. */
  procsFiles: string[];
  /** The first limit the build crossed, if any, read from the kernel's own counters. */
  crossed(): LimitName | undefined;
  cpuMs(): number;
  peakMemoryBytes(): number;
  resetPeak(): void;
  /** Kills whatever is inside now, without waiting for it to go. */
  kill(): void;
  /** Kills whatever is still inside and removes the cgroups. */
  remove(): Promise<void>;
}

const read = (path: string): string => readFileSync(path, 'utf8');
const counter = (text: string, key: string): number =>
  Number(new RegExp(`^${key} (\\d+)`, 'm').exec(text)?.[1] ?? 0);

function ownPath(controller: string): string | undefined {
  for (const line of read('/proc/self/cgroup').split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (ctrls !== undefined && path !== undefined && ctrls.split(',').includes(controller))
      return path;
  }
  return undefined;
}

/** Where each cgroup v1 controller is mounted, from mountinfo's super options. */
function v1Mounts(): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const line of read('/proc/self/mountinfo').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right?.startsWith('cgroup ')) continue;
    const target = left.split(' ')[4];
    const opts = right.split(' ')[2]?.split(',') ?? [];
    for (const o of opts) if (target && !mounts.has(o)) mounts.set(o, target);
  }
  return mounts;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function set(path: string, value: string | number): void {
  try {
    writeFileSync(path, String(value));
  } catch (e) {
    throw new ContractorError(
      'CONFINEMENT',
      `could not set ${path} to ${value}: the job cannot be confined`,
      { cause: e },
    );
  }
}

function killInside(dir: string): void {
  for (const pid of read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** cgroup v2's cgroup.kill where the kernel has it (5.14 on), which no fork can outrun; else each pid. */
function killAll(dir: string): void {
  let fd: number;
  try {
    fd = openSync(join(dir, 'cgroup.kill'), constants.O_WRONLY); // never created where it is not
  } catch {
    return killInside(dir);
  }
  try {
    writeSync(fd, '1');
  } finally {
    closeSync(fd);
  }
}

function tryRemove(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Still emptying: the kernel reaps killed tasks asynchronously.
  }
}

/** Polls briefly: a cgroup whose last task just died is busy for a few milliseconds. */
async function killAndRemove(dirs: string[]): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const left = dirs.filter(existsSync);
    if (!left.length) return;
    left.forEach(killAll);
    left.forEach(tryRemove);
    if (left.some(existsSync)) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** How long a cgroup named without an owner must have stood empty and unchanged to be removed. */
const UNTAGGED_IDLE_MS = 24 * 60 * 60_000;

/** Empty of tasks, and not touched (made, or given a child) for UNTAGGED_IDLE_MS. */
function idle(dir: string): boolean {
  try {
    return (
      statSync(dir).mtimeMs < Date.now() - UNTAGGED_IDLE_MS &&
      read(join(dir, 'cgroup.procs')).trim() === ''
    );
  } catch {
    return false;
  }
}

/**
 * The cgroups under parent that a killed manager left (named for their owner, who is gone): what
 * is still inside belonged to a job nobody supervises, and goes too. Removed as a new job's are
 * made, since no cleanup code of the dead manager's will ever run. A cgroup whose owner cannot
 * be judged here (named before owner tags, or by a run in another pid namespace) is removed only
 * once it has stood empty for a day, and nothing in it is ever killed.
 */
function sweepDeadCgroups(parent: string): void {
  try {
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith('contractor-')) continue;
      const dir = join(parent, entry.name);
      if (ownerGone(entry.name)) {
        killInside(dir);
        tryRemove(dir); // one whose tasks are still dying goes with the next job's sweep
      } else if (!ownerJudgeable(entry.name) && idle(dir)) tryRemove(dir);
    }
  } catch {
    // Only tidying: a parent we cannot list is one we have left nothing in.
  }
}

/** Memory the build may map, apart from its tmpfs files, which the kernel charges here too. */
function memoryLimits(limits: Limits): { soft: number; hard: number } {
  return { soft: limits.memoryBytes, hard: limits.memoryBytes + limits.diskBytes };
}

function v1Cgroup(id: string, limits: Limits): JobCgroup | undefined {
  const mounts = v1Mounts();
  const base = (ctrl: string): string | undefined => {
    const m = mounts.get(ctrl);
    const own = ownPath(ctrl);
    return m && own !== undefined ? join(m, own) : undefined;
  };
  const parents = { memory: base('memory'), pids: base('pids'), cpuacct: base('cpuacct') };
  if (!parents.memory || !parents.pids || !parents.cpuacct) return undefined;
  if (![parents.memory, parents.pids, parents.cpuacct].every(writable)) return undefined;
  const dir = {
    memory: join(parents.memory, id),
    pids: join(parents.pids, id),
    cpuacct: join(parents.cpuacct, id),
  };
  const dirs = [...new Set(Object.values(dir))];
  new Set([parents.memory, parents.pids, parents.cpuacct]).forEach(sweepDeadCgroups);
  dirs.forEach((d) => mkdirSync(d));
  const mem = memoryLimits(limits);
  try {
    set(join(dir.memory, 'memory.limit_in_bytes'), mem.hard);
    set(join(dir.pids, 'pids.max'), limits.processes);
  } catch (e) {
    dirs.forEach(tryRemove);
    throw e;
  }
  return {
    procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
    crossed() {
      if (counter(read(join(dir.pids, 'pids.events')), 'max') > 0) return 'processes';
      if (counter(read(join(dir.memory, 'memory.oom_control')), 'oom_kill') > 0) return 'memory';
      if (counter(read(join(dir.memory, 'memory.stat')), 'total_rss') > mem.soft) return 'memory';
      if (this.cpuMs() > limits.cpuMs) return 'cpu';
      return undefined;
    },
    cpuMs: () => Number(read(join(dir.cpuacct, 'cpuacct.usage'))) / 1e6,
    peakMemoryBytes: () => Number(read(join(dir.memory, 'memory.max_usage_in_bytes'))),
    resetPeak: () => writeFileSync(join(dir.memory, 'memory.max_usage_in_bytes'), '0'),
    kill: () => dirs.filter(existsSync).forEach(killInside),
    remove: () => killAndRemove(dirs),
  };
}

/** cgroup v2: only where memory, pids and cpu are already delegated to the manager's own cgroup. */
function v2Cgroup(id: string, limits: Limits): JobCgroup | undefined {
  const own = ownPath('');
  const root = '/sys/fs/cgroup';
  if (own === undefined || !existsSync(join(root, 'cgroup.controllers'))) return undefined;
  const parent = join(root, own);
  const delegated = read(join(parent, 'cgroup.subtree_control')).split(/\s+/);
  if (!['memory', 'pids', 'cpu'].every((c) => delegated.includes(c)) || !writable(parent))
    return undefined;
  const dir = join(parent, id);
  sweepDeadCgroups(parent);
  mkdirSync(dir);
  const mem = memoryLimits(limits);
  try {
    set(join(dir, 'memory.max'), mem.hard);
    set(join(dir, 'memory.swap.max'), 0);
    set(join(dir, 'pids.max'), limits.processes);
  } catch (e) {
    tryRemove(dir);
    throw e;
  }
  return {
    procsFiles: [join(dir, 'cgroup.procs')],
    crossed() {
      if (counter(read(join(dir, 'pids.events')), 'max') > 0) return 'processes';
      if (counter(read(join(dir, 'memory.events')), 'oom_kill') > 0) return 'memory';
      if (counter(read(join(dir, 'memory.stat')), 'anon') > mem.soft) return 'memory';
      if (this.cpuMs() > limits.cpuMs) return 'cpu';
      return undefined;
    },
    cpuMs: () => counter(read(join(dir, 'cpu.stat')), 'usage_usec') / 1000,
    peakMemoryBytes: () => Number(read(join(dir, 'memory.peak')).trim()) || 0,
    resetPeak: () => undefined,
    kill: () => killAll(dir),
    remove: () => killAndRemove([dir]),
  };
}

/** The job's cgroups, or undefined when this manager may not make any (then rlimits confine the build). */
export function createJobCgroup(
  id: string,
  limits: Limits,
  ownerUid?: number,
): JobCgroup | undefined {
  const name = `contractor-${id}`;
  const cgroup = v2Cgroup(name, limits) ?? v1Cgroup(name, limits);
  if (!cgroup || ownerUid === undefined) return cgroup;
  try {
    // The job's unprivileged uid moves its own bwrap in; the limits stay root's to write.
    cgroup.procsFiles.forEach((f) => chownSync(f, ownerUid, ownerUid));
  } catch (e) {
    void cgroup.remove();
    throw new ContractorError(
      'CONFINEMENT',
      `could not hand the job's cgroups to uid ${ownerUid}`,
      { cause: e },
    );
  }
  return cgroup;
}
