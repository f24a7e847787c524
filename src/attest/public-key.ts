// The verifying side of the pair: a PEM SPKI public key, read from the home or handed in by a user.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ContractorError } from '../errors.js';
import { keyPaths, type KeyTrust } from './key-paths.js';

export async function readPublicKeyPem(home: string, trust: KeyTrust = 'trusted'): Promise<string> {
  const { publicPath } = keyPaths(home, trust);
  try {
    return await readFile(publicPath, 'utf8');
  } catch (cause) {
    throw new ContractorError(
      'USAGE',
      `no public key at ${publicPath}; run \`contractor keys init\` first`,
      { cause },
    );
  }
}

export function parsePublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new ContractorError('USAGE', 'the public key is not a PEM public key (SPKI)', { cause });
  }
}
