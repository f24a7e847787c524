// The saved workspace a manager sends back: sanitised here too, as a local build's output is,
// then put in place of the spec's workspace directory whole.
import { rm } from 'node:fs/promises';
import { ContractorError } from '../../errors.js';
import { replaceDirectory, stagingBeside } from '../save-workspace.js';
import { unpackSanitised } from '../workspace-unpack.js';

/**
 * Replaces `workspaceDir` with the tar's contents and removes the tar. Returns how many entries
 * were dropped: the manager sanitised the workspace already, so any is the manager's doing.
 */
export async function saveReturnedWorkspace(
  tarPath: string,
  workspaceDir: string,
  capBytes: number,
): Promise<number> {
  const fresh = await stagingBeside(workspaceDir);
  try {
    const unpacked = await unpackSanitised(tarPath, fresh, capBytes, { reuseFrom: workspaceDir });
    // HardDiskLimit: a manager cannot fill the client's disk through the cache.
    if (unpacked.overLimit)
      throw new ContractorError(
        'PROTOCOL',
        `the manager's workspace is over the disk limit of ${capBytes} bytes; the saved one is kept`,
      );
    await replaceDirectory(workspaceDir, fresh);
    return unpacked.dropped.length;
  } finally {
    await Promise.all([rm(fresh, { recursive: true, force: true }), rm(tarPath, { force: true })]);
  }
}
