// A key's id is the sha256 of its SPKI DER: stable across PEM formatting, and what the bundle's hint names.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}
