// Reads either attestation file contractor writes: the .intoto.jsonl envelope or the Sigstore bundle.
import { open } from 'node:fs/promises';
import type { DsseEnvelope } from './envelope.js';
import { parseEnvelope } from './parse-envelope.js';
import { envelopeFromSigstoreBundle } from './sigstore-bundle.js';
import { verifyFailure } from './verify-failure.js';

// Ours are a few kilobytes; a file far larger is not one, and is not read into memory.
const MAX_ATTESTATION_BYTES = 16 * 1024 * 1024;

export async function readAttestation(path: string): Promise<DsseEnvelope> {
  const json = parseJson(await readCapped(path));
  const isBundle =
    typeof json === 'object' &&
    json !== null &&
    typeof (json as { mediaType?: unknown }).mediaType === 'string';
  return isBundle ? envelopeFromSigstoreBundle(json) : parseEnvelope(json);
}

async function readCapped(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > MAX_ATTESTATION_BYTES)
      throw verifyFailure(
        'envelope malformed',
        `the file is ${size} bytes, over ${MAX_ATTESTATION_BYTES}`,
      );
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw verifyFailure('envelope malformed', 'the file is empty');
  try {
    return JSON.parse(text);
  } catch (cause) {
    // A .jsonl may list several envelopes; contractor writes one, and picking among others' is not verification.
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const detail =
      lines.length > 1
        ? `it holds ${lines.length} lines; expected one JSON envelope`
        : 'it is not JSON';
    throw verifyFailure('envelope malformed', detail, cause);
  }
}
