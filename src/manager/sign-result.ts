// A finished job's signed provenance: the same statement whether this machine or a remote manager built it.
import { createHash } from 'node:crypto';
import type { Signer } from '../attest/signer.js';
import type { SourceOrigin } from '../attest/source-origin.js';
import { writeAttestation, type AttestationPaths } from '../attest/write-attestation.js';
import type { JobRequest, JobResult } from './job.js';
import { signable } from './signable.js';
import { workerImageDigest } from './worker-image.js';

export type SignedJob = Pick<JobRequest, 'spec' | 'policy' | 'driver' | 'audit'>;

export interface SignResultInput {
  result: JobResult;
  job: SignedJob;
  /** The repository, ref, event and trust, from the trusted side. */
  origin: SourceOrigin;
  /** The commit asked for; none for a snapshot. */
  commit?: string;
  /** The digest of the source as this builder had it (gitCommit, gitTree or the archive's sha256). */
  sourceDigest: Record<string, string>;
  /** Notes on the source's digest, e.g. why it has no gitTree. */
  sourceAnnotations?: Record<string, string>;
  /** Where attestation.intoto.jsonl and attestation.sigstore.json go. */
  outDir: string;
  /** Which machine built it: local://HOST or ssh://HOST. */
  host: string;
  /** The key of the origin's trust: an untrusted source is never signed with the trusted key. */
  signer: Signer;
}

/** Writes the attestation, or nothing (null) for a run that did not pass or ran with --audit. */
export async function signResult(input: SignResultInput): Promise<AttestationPaths | null> {
  const { result, job } = input;
  if (!signable(result, job.audit)) return null;
  return writeAttestation(
    input.outDir,
    {
      artifacts: result.artifacts.map((a) => ({ name: a.path, sha256: a.sha256 })),
      origin: input.origin,
      ...(input.commit ? { commit: input.commit } : {}),
      sourceDigest: input.sourceDigest,
      ...(input.sourceAnnotations ? { sourceAnnotations: input.sourceAnnotations } : {}),
      // Of the spec document as it was built.
      specDigest: createHash('sha256').update(JSON.stringify(job.spec.raw)).digest('hex'),
      policy: job.policy,
      driver: job.driver,
      imageDigest: await workerImageDigest(job.driver, job.policy.image),
      host: input.host,
      invocationId: result.id,
      startedOn: result.startedAt,
      finishedOn: result.finishedAt,
    },
    input.signer,
  );
}
