// HardRAMLimit, HardCPULimit, processes: each phase's bwrap joins the job's cgroups before it execs.

/** A shell that writes its own pid into each cgroup.procs and then execs the rest, so the build starts inside. */
export function cgroupJoinArgs(procsFiles: string[]): string[] {
  const joins = procsFiles.map((_, i) => `echo $$ > "\${${i + 1}}"`).join(' && ');
  return ['sh', '-c', `${joins} && shift ${procsFiles.length} && exec "$@"`, 'sh', ...procsFiles];
}
