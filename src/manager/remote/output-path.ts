// Where a manager may write in the client's output directory: log.txt, the two attestation files,
// the saved workspace's tar and artifacts/…, as plain relative paths. Anything else is hostile.
import { BUNDLE_FILE, ENVELOPE_FILE } from '../../attest/write-attestation.js';
import { ContractorError } from '../../errors.js';

/** The saved workspace on its way back, unpacked (sanitised) into the spec's workspace. */
export const WORKSPACE_TAR = 'workspace.tar';

const TOP_FILES = ['log.txt', ENVELOPE_FILE, BUNDLE_FILE, WORKSPACE_TAR];
const TOP_DIRS = ['artifacts'];

export function checkOutputPath(path: string): string[] {
  const parts = path.split('/');
  const bad =
    path.length > 4096 ||
    /[\\\0]/.test(path) ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    !(TOP_FILES.includes(path) || (parts.length > 1 && TOP_DIRS.includes(parts[0] as string)));
  if (bad)
    throw new ContractorError(
      'PROTOCOL',
      `the manager sent a file named ${JSON.stringify(path.slice(0, 200))}, outside ${TOP_FILES.join(', ')} and artifacts/`,
    );
  return parts;
}
