// `contractor keys init`: the signing key pairs, written once and never silently replaced.
import { generateKeyPairSync } from 'node:crypto';
import { chmod, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { ContractorError } from '../errors.js';
import { keyPaths, type KeyPaths, type KeyTrust } from './key-paths.js';

export interface InitKeysOptions {
  /** Replace existing pairs; attestations signed with an old key stop verifying with the new public key. */
  force?: boolean;
}

export interface InitializedKeys {
  privatePath: string;
  publicPath: string;
  untrusted: { privatePath: string; publicPath: string };
  /** The pairs this call made; a pair already there is kept. */
  made: KeyTrust[];
}

const PAIRS: readonly KeyTrust[] = ['trusted', 'untrusted'];

/**
 * Both pairs: the trusted one for the repository's own sources, the untrusted one for a fork's
 * pull request. A home that has only the first (made before the second existed) gets the second.
 */
export async function initKeys(
  home: string,
  options: InitKeysOptions = {},
): Promise<InitializedKeys> {
  const existing = await Promise.all(PAIRS.map((t) => pairExists(keyPaths(home, t))));
  const missing = PAIRS.filter((_, i) => options.force || !existing[i]);
  if (missing.length === 0)
    throw new ContractorError(
      'USAGE',
      `a signing key already exists at ${keyPaths(home).privatePath}; keep it, or pass --force to replace the pairs (attestations signed with the old keys will no longer verify against the new public keys)`,
    );
  for (const trust of missing) await writePair(keyPaths(home, trust));
  const trusted = keyPaths(home, 'trusted');
  const untrusted = keyPaths(home, 'untrusted');
  return {
    privatePath: trusted.privatePath,
    publicPath: trusted.publicPath,
    untrusted: { privatePath: untrusted.privatePath, publicPath: untrusted.publicPath },
    made: missing,
  };
}

// ECDSA P-256 rather than Ed25519: both verify in @sigstore/verify (it passes no digest to
// crypto.verify), but P-256 with SHA-256 is Sigstore's default and cosign's key type, and
// `openssl dgst -sha256 -verify` checks it with no raw-input flags.
async function writePair({ dir, privatePath, publicPath }: KeyPaths): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode only applies to a directory it creates; an existing one is tightened too.
  await chmod(dir, 0o700);
  await rm(privatePath, { force: true });
  await rm(publicPath, { force: true });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  // 'wx' refuses to follow a link or overwrite a file that appeared since the check above.
  await writeFile(privatePath, privatePem, { mode: 0o600, flag: 'wx' });
  await chmod(privatePath, 0o600);
  await writeFile(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), {
    mode: 0o644,
    flag: 'wx',
  });
}

// Either half present counts: a lone public key is not overwritten by a pair it does not belong to.
async function pairExists({ privatePath, publicPath }: KeyPaths): Promise<boolean> {
  const found = await Promise.all(
    [privatePath, publicPath].map((p) =>
      lstat(p).then(
        () => true,
        () => false,
      ),
    ),
  );
  return found.some(Boolean);
}
