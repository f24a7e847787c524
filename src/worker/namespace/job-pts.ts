// HostProtection: the job's own pty instance, so one build cannot take every pty other jobs need.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** Ptys one job may hold at once; non-initial devpts instances share the kernel's pty/max less pty/reserve. */
export const PTYS_PER_JOB = 64;

/**
 * A devpts instance capped at PTYS_PER_JOB, bound over the /dev/pts bwrap mounts (which has no
 * cap of its own, so a build opening /dev/ptmx in a loop failed every other job's openpty).
 */
export function mountJobPts(at: string): Promise<void> {
  mkdirSync(at);
  const options = `newinstance,ptmxmode=0666,mode=620,max=${PTYS_PER_JOB}`;
  return new Promise((resolve, reject) => {
    execFile('mount', ['-t', 'devpts', '-o', options, 'contractor-pts', at], (err, _o, stderr) =>
      err
        ? reject(new Error(`could not mount the job's devpts: ${stderr.trim() || err.message}`))
        : resolve(),
    );
  });
}
