// HardRAMLimit, HardCPULimit without cgroups: what rlimits and a polled process tree cannot hold, said plainly.
import type { UnenforcedLimit } from '../driver.js';

/**
 * Without a cgroup nothing counts the job as a whole. Socket buffers and other kernel memory are
 * in no process's size (a build once held 2 GiB in Unix sockets under 256 MiB), and children the
 * kernel reaps itself (SIGCHLD ignored) take their CPU time with them, so only what the poll
 * sees of them counts. Neither can be closed from an unprivileged manager: rlimits are per process,
 * getrusage never sees an auto-reaped child, and the sigaction that asks for it passes a pointer
 * seccomp cannot read.
 */
export const PER_PROCESS_LIMITS: readonly UnenforcedLimit[] = [
  {
    limit: 'memory',
    detail:
      'not enforced for the job as a whole without cgroups: each process is capped (address space) and live processes are polled, but socket buffers and other kernel memory are not counted',
  },
  {
    limit: 'cpu',
    detail:
      'not enforced for the job as a whole without cgroups: each process is capped (RLIMIT_CPU) and the process tree is polled, but a child the kernel reaps itself (SIGCHLD ignored) that ends between polls is not counted',
  },
  {
    limit: 'processes',
    // RLIMIT_NPROC refuses the fork and counts nothing: only a pids cgroup's events say it happened.
    detail:
      'held by RLIMIT_NPROC without cgroups, but reaching it is seen only by polling: a build that fails at once when refused a fork may end as failed rather than as this limit',
  },
];

/** One line for `contractor doctor`. */
export const RLIMIT_MODE_NOTE =
  "no cgroups this manager may use: memory and CPU limits are per process only (socket buffers and self-reaped children escape them); delegate memory, pids and cpu to the manager's cgroup to enforce them";
