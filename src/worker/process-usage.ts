// What one host process (runsc's sentry, QEMU) and the children it reaped have used so far, read
// from /proc by the host.
import { readFile } from 'node:fs/promises';

export interface ProcessUsage {
  cpuMs: number;
  rssBytes: number;
}

const TICKS_PER_SECOND = 100;

export async function processUsage(pid: number): Promise<ProcessUsage | undefined> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined),
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined),
  ]);
  if (!stat || !status) return undefined;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: statCpuMs(stat), rssBytes: rssKb * 1024 };
}

/** The CPU alone, from one file: what a frequent poll of many processes needs. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat ? statCpuMs(stat) : undefined;
}

function statCpuMs(stat: string): number {
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // HardCPULimit: utime and stime, and cutime and cstime, the time of the children it has reaped:
  // gVisor's ptrace stubs and QEMU's relays come and go, and their CPU is the job's too.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}
