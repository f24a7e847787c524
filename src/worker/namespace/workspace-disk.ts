// HardDiskLimit: the job's files live on tmpfs mounts in the holder's private mount namespace.
import { execFile } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobLayout } from './bwrap-args.js';
import { mountJobPts } from './job-pts.js';

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

function mountTmpfs(name: string, options: string, at: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mount', ['-t', 'tmpfs', '-o', options, name, at], (err, _o, stderr) =>
      err
        ? reject(new Error(`could not mount the job's tmpfs: ${stderr.trim() || err.message}`))
        : resolve(),
    );
  });
}

/**
 * The holder's state tmpfs (etc, scripts, seccomp, the disk's mount point), over
 * HOLDER_STATE_DIR. It holds nothing of a job yet, so a holder mounts it as it starts.
 */
export async function mountStateDisk(layout: JobLayout): Promise<void> {
  await mountTmpfs('contractor-state', `size=${STATE_BYTES},mode=0700`, HOLDER_STATE_DIR);
  mkdirSync(layout.disk);
  mkdirSync(layout.scripts);
  await mountJobPts(layout.pts);
}

/** The size-capped disk /workspace, /tmp and /dev/shm live on: its size is the job's, so it comes with the job. */
export async function mountJobDisk(layout: JobLayout, diskBytes: number): Promise<void> {
  const options = `size=${diskBytes},nr_inodes=${inodesFor(diskBytes)},mode=0755`;
  await mountTmpfs('contractor-disk', options, layout.disk);
  // src/ exists before the input is unpacked, so every phase can start in it.
  mkdirSync(join(layout.workspace, 'src'), { recursive: true });
  mkdirSync(join(layout.tmp, 'home'), { recursive: true });
  mkdirSync(layout.shm);
}

/** True when the disk tmpfs is out of blocks or inodes. */
export function diskFull(layout: JobLayout): boolean {
  const s = statfsSync(layout.disk);
  return s.bavail * s.bsize <= FULL_BYTES || s.ffree === 0;
}
