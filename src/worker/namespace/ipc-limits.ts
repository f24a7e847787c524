// HardRAMLimit for System V IPC: the holder owns the job's IPC namespace (the build shares it), so
// it may size that namespace's limits. Their defaults let one namespace hold terabytes of shared
// memory and gigabytes of queues and semaphores, which no rlimit counts.
import { writeFileSync } from 'node:fs';

const PAGE = 4096;

/** The kernel's per-namespace IPC sysctls, written for the holder's own namespace. */
export function ipcLimits(diskBytes: number): Record<string, string> {
  return {
    // Shared memory: no more than the job's disk, as /dev/shm holds.
    shmmax: String(diskBytes),
    shmall: String(Math.ceil(diskBytes / PAGE)),
    // 32 queues of 16 KiB, not 32000.
    msgmni: '32',
    // semmsl semmns semopm semmni: the kernel's defaults until 3.19 raised them to 32000 sets
    // of 32000 semaphores each.
    sem: '250 32000 32 128',
  };
}

/** The kernel's own place for them, in the writer's IPC namespace. */
export const IPC_SYSCTLS = '/proc/sys/kernel';

/** Throws when the kernel will not let the holder set them: the caller decides what then. */
export function limitSysvIpc(diskBytes: number, dir = IPC_SYSCTLS): void {
  for (const [name, value] of Object.entries(ipcLimits(diskBytes)))
    writeFileSync(`${dir}/${name}`, value);
}
