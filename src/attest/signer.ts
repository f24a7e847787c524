// The manager's signing side: a key id and a sign function, so the key itself never leaves this file.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ContractorError } from '../errors.js';
import { keyIdOf } from './key-id.js';
import { keyPaths, type KeyTrust } from './key-paths.js';

export interface Signer {
  /** sha256 of the public key's SPKI DER, hex. */
  keyid: string;
  publicKeyPem: string;
  /** An ECDSA P-256 SHA-256 signature over data, DER-encoded as DSSE and Sigstore expect. */
  sign(data: Buffer): Buffer;
}

export async function loadSigner(home: string, trust: KeyTrust = 'trusted'): Promise<Signer> {
  const { privatePath } = keyPaths(home, trust);
  const info = await stat(privatePath).catch((cause: unknown) => {
    throw new ContractorError(
      'USAGE',
      `no signing key at ${privatePath}; run \`contractor keys init\` first`,
      { cause },
    );
  });
  // Like ssh with its identity files: a key others can read may already be someone else's.
  if (info.mode & 0o077)
    throw new ContractorError(
      'USAGE',
      `the signing key ${privatePath} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  return signerFromPrivateKey(await readFile(privatePath, 'utf8'));
}

export function signerFromPrivateKey(pem: string): Signer {
  const privateKey = parsePrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return {
    keyid: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => sign('sha256', data, privateKey),
  };
}

function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new ContractorError('USAGE', 'the signing key is not a PEM private key', { cause });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new ContractorError(
      'USAGE',
      'the signing key is not ECDSA P-256; run `contractor keys init --force` for a new pair',
    );
  return key;
}
