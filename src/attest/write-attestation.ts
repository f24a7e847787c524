// The signed provenance for one job, in the two forms verifiers read: a DSSE .intoto.jsonl and a Sigstore bundle.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signEnvelope } from './envelope.js';
import { buildStatement, type ProvenanceInput } from './provenance.js';
import { toSigstoreBundle } from './sigstore-bundle.js';
import type { Signer } from './signer.js';

export const ENVELOPE_FILE = 'attestation.intoto.jsonl';
export const BUNDLE_FILE = 'attestation.sigstore.json';

export interface AttestationPaths {
  envelopePath: string;
  bundlePath: string;
}

export async function writeAttestation(
  outDir: string,
  input: ProvenanceInput,
  signer: Signer,
): Promise<AttestationPaths> {
  const envelope = signEnvelope(buildStatement(input), signer);
  await mkdir(outDir, { recursive: true });
  const envelopePath = join(outDir, ENVELOPE_FILE);
  const bundlePath = join(outDir, BUNDLE_FILE);
  await writeFile(envelopePath, `${JSON.stringify(envelope)}\n`);
  await writeFile(bundlePath, `${JSON.stringify(toSigstoreBundle(envelope), null, 2)}\n`);
  return { envelopePath, bundlePath };
}
