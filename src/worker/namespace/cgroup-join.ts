// HardRAMLimit, HardCPULimit, processes: each phase's bwrap joins the job's cgroups before it execs.
import { spawn } from 'node:child_process';

/** A shell that writes its own pid into each cgroup.procs and then execs the rest, so the build starts inside. */
export function cgroupJoinArgs(procsFiles: string[]): string[] {
  const joins = procsFiles.map((_, i) => `echo $$ > "\${${i + 1}}"`).join(' && ');
  return ['sh', '-c', `${joins} && shift ${procsFiles.length} && exec "$@"`, 'sh', ...procsFiles];
}

/**
 * The first process to join a new v1 memory cgroup waits ~12 ms on the kernel; later joins are
 * quick. A throwaway shell joins (and leaves, by exiting) while the holder is still starting, so
 * the first phase does not pay that. Resolves when it is gone; never rejects.
 */
export function primeCgroups(procsFiles: string[]): Promise<void> {
  const [cmd, ...args] = [...cgroupJoinArgs(procsFiles), 'true'];
  return new Promise((resolve) => {
    const child = spawn(cmd as string, args, { stdio: 'ignore' });
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}
