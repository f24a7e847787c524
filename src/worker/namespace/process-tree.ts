// HardCPULimit, HardRAMLimit, processes without cgroups: the holder's descendants, read from /proc by the manager.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: its own CPU and that of the children it reaped. */
  cpuTicks: number;
  /** utime + stime alone: what the process itself has used, whoever reaps it. */
  ownTicks: number;
  /** Its start time in ticks since boot: with the pid, names one process even when pids are reused. */
  start: number;
  threads: number;
  rssPages: number;
}

function readStat(pid: string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number): number => Number(f[i]);
    return {
      pid: Number(pid),
      ppid: n(1),
      cpuTicks: n(11) + n(12) + n(13) + n(14),
      ownTicks: n(11) + n(12),
      start: n(19),
      threads: n(17),
      rssPages: n(21),
    };
  } catch {
    return undefined;
  }
}

/** A child of pid's, if it has any (the first /proc lists). */
export function childOf(pid: number): number | undefined {
  for (const n of readdirSync('/proc'))
    if (/^\d+$/.test(n) && readStat(n)?.ppid === pid) return Number(n);
  return undefined;
}

export interface TreeUsage {
  cpuMs: number;
  rssBytes: number;
  /** Tasks (threads count, as RLIMIT_NPROC counts them) below the holder. */
  tasks: number;
  /** Each live descendant's own CPU time, by pid and start time. */
  ownMs: Map<string, number>;
}

/** What the holder's descendants use now, plus the CPU of every descendant already reaped. */
export function treeUsage(holderPid: number): TreeUsage | undefined {
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => readStat(n) ?? []);
  if (!all.some((s) => s.pid === holderPid)) return undefined;
  const children = new Map<number, Stat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  // The holder's own utime/stime is not the build's; its cutime/cstime holds every reaped phase.
  const usage = { cpuTicks: holderReapedTicks(holderPid), rssPages: 0, tasks: 0 };
  const ownMs = new Map<string, number>();
  const queue = [...(children.get(holderPid) ?? [])];
  for (let s = queue.pop(); s; s = queue.pop()) {
    usage.cpuTicks += s.cpuTicks;
    usage.rssPages += s.rssPages;
    usage.tasks += s.threads;
    ownMs.set(`${s.pid}@${s.start}`, ticksToMs(s.ownTicks));
    queue.push(...(children.get(s.pid) ?? []));
  }
  return {
    cpuMs: ticksToMs(usage.cpuTicks),
    rssBytes: usage.rssPages * PAGE_BYTES,
    tasks: usage.tasks,
    ownMs,
  };
}

const ticksToMs = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;

function holderReapedTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]);
}
