// The envelope as a Sigstore bundle v0.3, so cosign and sigstore clients verify it with the public key alone.
import {
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  bundleToJSON,
  toDSSEBundle,
  type SerializedBundle,
} from '@sigstore/bundle';
import { ContractorError } from '../errors.js';
import type { DsseEnvelope } from './envelope.js';
import { parseEnvelope } from './parse-envelope.js';
import { verifyFailure } from './verify-failure.js';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = BUNDLE_V03_MEDIA_TYPE;

// The library builds the protobuf message and its JSON mapping (camelCase, base64 bytes), so the file is the spec's, not our guess at it.
export function toSigstoreBundle(envelope: DsseEnvelope): SerializedBundle {
  const [first] = envelope.signatures;
  if (!first || envelope.signatures.length !== 1)
    throw new ContractorError('INFRASTRUCTURE', 'a Sigstore bundle carries exactly one signature');
  return bundleToJSON(
    toDSSEBundle({
      artifact: Buffer.from(envelope.payload, 'base64'),
      artifactType: envelope.payloadType,
      signature: Buffer.from(first.sig, 'base64'),
      keyHint: first.keyid,
    }),
  );
}

/** The DSSE envelope inside a bundle; the bundle's key material is ignored, as the verifier brings the key. */
export function envelopeFromSigstoreBundle(json: unknown): DsseEnvelope {
  try {
    bundleFromJSON(json);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw verifyFailure('envelope malformed', `not a valid Sigstore bundle (${why})`, cause);
  }
  const content = (json as { dsseEnvelope?: unknown }).dsseEnvelope;
  if (content === undefined)
    throw verifyFailure('envelope malformed', 'the Sigstore bundle holds no dsseEnvelope');
  return parseEnvelope(content);
}
