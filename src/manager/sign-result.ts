// A finished job's signed provenance: the same statement whether this machine or a remote manager built it.
import { createHash } from 'node:crypto';
import type { ResourceDescriptor } from '../attest/provenance.js';
import type { Signer } from '../attest/signer.js';
import { writeAttestation, type AttestationPaths } from '../attest/write-attestation.js';
import type { JobRequest, JobResult } from './job.js';
import { workerImageDigest } from './worker-image.js';

export type SignedJob = Pick<JobRequest, 'spec' | 'policy' | 'driver'>;

export interface SignResultInput {
  result: JobResult;
  /** The commit the result was built from; a snapshot gives `source` instead. */
  commit?: string;
  /** A snapshot's own digest, as provenance's first resolved dependency. */
  source?: ResourceDescriptor;
  job: SignedJob;
  /** Where attestation.intoto.jsonl and attestation.sigstore.json go. */
  outDir: string;
  /** Who built it, as the provenance's builder id: local://HOST or ssh://HOST. */
  builderId: string;
  signer: Signer;
}

export async function signResult(input: SignResultInput): Promise<AttestationPaths> {
  const { result, commit, job, source } = input;
  return writeAttestation(
    input.outDir,
    {
      artifacts: result.artifacts.map((a) => ({ name: a.path, sha256: a.sha256 })),
      // The manager is given no repository URI; the commit id is what the statement binds.
      repository: commit ? `git+sha1:${commit}` : (source?.uri ?? 'snapshot'),
      ...(commit ? { commit } : {}),
      ...(source ? { source } : {}),
      // Of the spec document as it was built.
      specDigest: createHash('sha256').update(JSON.stringify(job.spec.raw)).digest('hex'),
      policy: job.policy,
      driver: job.driver,
      imageDigest: await workerImageDigest(job.driver, job.policy.image),
      managerId: input.builderId,
      invocationId: result.id,
      startedOn: result.startedAt,
      finishedOn: result.finishedAt,
    },
    input.signer,
  );
}
