// DSSE verification in the spec's order: signature over PAE first, then the payload type, then the payload.
import { verify, type KeyObject } from 'node:crypto';
import { ContractorError } from '../errors.js';
import { IN_TOTO_PAYLOAD_TYPE, type DsseEnvelope } from './envelope.js';
import { keyIdOf } from './key-id.js';
import { pae } from './pae.js';
import { parsePublicKey } from './public-key.js';
import { parseStatement, type Statement } from './statement.js';
import { verifyFailure } from './verify-failure.js';

export function verifyEnvelope(envelope: DsseEnvelope, publicKeyPem: string): Statement {
  const key = parsePublicKey(publicKeyPem);
  const payload = Buffer.from(envelope.payload, 'base64');
  const signed = pae(envelope.payloadType, payload);
  // The keyid is only a hint; the signature decides, so one made by the given key passes whatever it claims.
  const ok = envelope.signatures.some((s) =>
    checkSignature(signed, key, Buffer.from(s.sig, 'base64')),
  );
  if (!ok) throw verifyFailure('signature invalid', noMatch(envelope, key));
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw verifyFailure(
      'wrong payload type',
      `the envelope holds ${JSON.stringify(envelope.payloadType.slice(0, 200))}, not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  return parseStatement(payload);
}

function checkSignature(data: Buffer, key: KeyObject, sig: Buffer): boolean {
  const algorithm = digestFor(key);
  try {
    return verify(algorithm, data, key, sig);
  } catch {
    // OpenSSL throws on some malformed DER rather than returning false.
    return false;
  }
}

// ECDSA signs a SHA-256 digest; Ed25519 hashes internally and takes none.
function digestFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ec') return 'sha256';
  if (key.asymmetricKeyType === 'ed25519') return null;
  throw new ContractorError(
    'USAGE',
    `the public key is ${key.asymmetricKeyType ?? 'of an unknown type'}; contractor verifies ECDSA (and Ed25519) keys`,
  );
}

// Key ids are unsigned hints, but they tell the two likely stories apart: the wrong key, or a changed envelope.
function noMatch(envelope: DsseEnvelope, key: KeyObject): string {
  const id = keyIdOf(key);
  if (envelope.signatures.some((s) => s.keyid === id))
    return `the signature of the given public key (key id ${id}) does not match the envelope: its payload, payload type or signature was changed after signing`;
  const named = envelope.signatures.map((s) => JSON.stringify(s.keyid.slice(0, 80))).join(', ');
  return `no signature verifies with the given public key (key id ${id}); the envelope's signatures name key ids ${named}: this is not the signer's key, or the envelope was changed`;
}
