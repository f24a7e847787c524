// Where the manager signs a finished job: its own key, from its own $CONTRACTOR_HOME.
import type { JobRequest, JobResult } from '../job.js';
import type { SourceTree } from './archive-tree.js';

export interface SignedOutput {
  /** The DSSE envelope, relative to the output directory (attestation.intoto.jsonl). */
  envelope: string;
  /** Every file to send, the envelope included, relative to the output directory. */
  files: string[];
}

/** Writes the attestation files for a result into outDir; null when nothing was signed. */
export type AttestationHook = (
  result: JobResult,
  outDir: string,
  job: Pick<JobRequest, 'spec' | 'policy' | 'driver' | 'audit' | 'origin'>,
  /** The source archive as this manager received it: sha256 of its bytes, and its git tree. */
  received: { sha256: string; tree: SourceTree },
) => Promise<SignedOutput | null>;

export const signNothing: AttestationHook = async () => null;
