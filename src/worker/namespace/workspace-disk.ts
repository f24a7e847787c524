// HardDiskLimit: the job's files live on tmpfs mounts in the holder's private mount namespace.
import { execFile } from 'node:child_process';
import { statfsSync } from 'node:fs';
import type { JobLayout } from './bwrap-args.js';

const STATE_BYTES = 16 * 1024 ** 2;

/**
 * Where the holder mounts its state tmpfs: over /tmp, in its own mount namespace only. Nothing of a
 * job is then on the host's disk, so nothing is left there if the manager dies mid-job.
 */
export const HOLDER_STATE_DIR = '/tmp';
/** Below this much room the build has filled its disk, whatever it does about ENOSPC. */
const FULL_BYTES = 64 * 1024;

function inodesFor(diskBytes: number): number {
  return Math.max(16_384, Math.floor(diskBytes / 4096));
}

/** The holder's state (etc, scripts, seccomp) and the size-capped disk, mounted at stateDir. */
export function mountJobDisks(
  stateDir: string,
  layout: JobLayout,
  diskBytes: number,
): Promise<void> {
  const script = [
    `mount -t tmpfs -o size=${STATE_BYTES},mode=0700 contractor-state "$1"`,
    'mkdir "$2"',
    `mount -t tmpfs -o size=${diskBytes},nr_inodes=${inodesFor(diskBytes)},mode=0755 contractor-disk "$2"`,
    // src/ exists before the input is unpacked, so every phase can start in it.
    'mkdir -p "$3/src" "$4/home" "$5"',
  ].join(' && ');
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', script, 'sh', stateDir, layout.disk, layout.workspace, layout.tmp, layout.scripts],
      (err, _o, stderr) =>
        err
          ? reject(new Error(`could not mount the job's tmpfs: ${stderr.trim() || err.message}`))
          : resolve(),
    );
  });
}

/** True when the disk tmpfs is out of blocks or inodes. */
export function diskFull(layout: JobLayout): boolean {
  const s = statfsSync(layout.disk);
  return s.bavail * s.bsize <= FULL_BYTES || s.ffree === 0;
}
