// An envelope from a file is hostile input: it becomes a typed DsseEnvelope here or not at all.
import type { DsseEnvelope, DsseSignature } from './envelope.js';
import { verifyFailure } from './verify-failure.js';

// DSSE allows either base64 alphabet; Buffer.from would silently skip anything else.
const BASE64 = /^(?:[A-Za-z0-9+/]|[A-Za-z0-9_-])*={0,2}$/;

export function parseEnvelope(value: unknown): DsseEnvelope {
  if (!isRecord(value)) throw malformed('it is not a JSON object');
  const { payloadType, payload, signatures } = value;
  if (typeof payloadType !== 'string') throw malformed('payloadType is not a string');
  if (!isBase64(payload)) throw malformed('payload is not a base64 string');
  if (!Array.isArray(signatures) || signatures.length === 0)
    throw malformed('signatures is not a non-empty array');
  return { payloadType, payload, signatures: signatures.map(parseSignature) };
}

export function isBase64(value: unknown): value is string {
  return typeof value === 'string' && value.length % 4 !== 1 && BASE64.test(value);
}

function parseSignature(value: unknown, index: number): DsseSignature {
  if (!isRecord(value)) throw malformed(`signature ${index} is not an object`);
  const { keyid, sig } = value;
  if (keyid !== undefined && typeof keyid !== 'string')
    throw malformed(`signature ${index} has a keyid that is not a string`);
  if (!isBase64(sig) || sig.length === 0) throw malformed(`signature ${index} has no base64 sig`);
  return { keyid: keyid ?? '', sig };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(detail: string): Error {
  return verifyFailure('envelope malformed', detail);
}
