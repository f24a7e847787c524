// HardCPULimit accounting: the CPU time of the holder's waited-for children, from /proc/self/stat.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** cutime + cstime: every phase's processes end up here once bwrap and the holder have reaped them. */
export function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}
