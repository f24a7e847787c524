// The /proc files a build reads in place of the host's: they would name the host and no build needs them.
import { randomUUID } from 'node:crypto';

export interface MaskedProcFile {
  /** The file's name in the job's state directory. */
  name: string;
  /** Where the build sees it. */
  at: string;
  text: string;
}

/**
 * HostProtection: the host's boot arguments (on a VM, the hypervisor's, with its vsock ports) and its
 * boot id, shared by every job on the host; the build gets an empty command line and a boot id of its own.
 */
export function maskedProc(): MaskedProcFile[] {
  return [
    { name: 'cmdline', at: '/proc/cmdline', text: '\n' },
    { name: 'boot_id', at: '/proc/sys/kernel/random/boot_id', text: `${randomUUID()}\n` },
  ];
}
