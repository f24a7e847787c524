// HardCPULimit, HardRAMLimit, process and file-size caps for an unprivileged manager: prlimit(1) around bwrap.
import type { Confinement } from './holder-protocol.js';

type RlimitConfinement = Extract<Confinement, { kind: 'rlimit' }>;

/** argv prefix that sets hard and soft limits and then execs the rest. */
export function prlimitArgs(c: RlimitConfinement, holderTasks: number): string[] {
  const both = (n: number): string => `${n}:${n}`;
  return [
    'prlimit',
    `--cpu=${both(c.cpuSeconds)}`,
    `--as=${both(c.addressSpaceBytes)}`,
    // RLIMIT_NPROC is checked at each user namespace level: the holder's own tasks count at its level.
    `--nproc=${both(c.processes + holderTasks)}`,
    `--fsize=${both(c.fileSizeBytes)}`,
    '--',
  ];
}
