// Where the manager signs a finished job. src/attest/ is not written yet; until it is, a job is
// sent back unsigned and its result says `attestation: null`.
import type { JobResult } from '../job.js';

export interface SignedOutput {
  /** The DSSE envelope, relative to the output directory (attestation/…). */
  envelope: string;
  /** Every file to send, the envelope included, relative to the output directory. */
  files: string[];
}

/** Writes the attestation files for a result into outDir. */
export type AttestationHook = (result: JobResult, outDir: string) => Promise<SignedOutput | null>;

export const signNothing: AttestationHook = async () => null;
