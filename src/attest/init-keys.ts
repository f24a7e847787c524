// `contractor keys init`: the manager's signing key pair, written once and never silently replaced.
import { generateKeyPairSync } from 'node:crypto';
import { chmod, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { ContractorError } from '../errors.js';
import { keyPaths } from './key-paths.js';

export interface InitKeysOptions {
  /** Replace an existing pair; attestations signed with the old key stop verifying with the new public key. */
  force?: boolean;
}

// ECDSA P-256 rather than Ed25519: both verify in @sigstore/verify (it passes no digest to
// crypto.verify), but P-256 with SHA-256 is Sigstore's default and cosign's key type, and
// `openssl dgst -sha256 -verify` checks it with no raw-input flags.
export async function initKeys(
  home: string,
  options: InitKeysOptions = {},
): Promise<{ privatePath: string; publicPath: string }> {
  const { dir, privatePath, publicPath } = keyPaths(home);
  if (!options.force) await refuseExisting([privatePath, publicPath]);
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
  return { privatePath, publicPath };
}

async function refuseExisting(paths: string[]): Promise<void> {
  for (const path of paths) {
    const found = await lstat(path).catch(() => null);
    if (!found) continue;
    throw new ContractorError(
      'USAGE',
      `a signing key already exists at ${path}; keep it, or pass --force to replace the pair (attestations signed with the old key will no longer verify against the new public key)`,
    );
  }
}
