// Cgroups left on this machine: every controller's hierarchy searched for a name (a find(1) pattern).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function cgroupsNamed(pattern: string): string[] {
  return ['memory', 'pids', 'cpuacct', 'unified', '']
    .map((c) => join('/sys/fs/cgroup', c))
    .filter(existsSync)
    .flatMap((d) =>
      execFileSync('find', [d, '-maxdepth', '4', '-name', pattern], { encoding: 'utf8' }).split(
        '\n',
      ),
    )
    .filter(Boolean);
}
