// Local runs sign without a setup step: the user's key pair is made the first time one is needed.
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initKeys } from './init-keys.js';
import { keyPaths, type KeyTrust } from './key-paths.js';
import { loadSigner, type Signer } from './signer.js';

export async function loadSignerCreatingKey(
  home: string,
  trust: KeyTrust = 'trusted',
): Promise<Signer> {
  if (!(await exists(keyPaths(home, trust).privatePath))) await createKeysAtomically(home);
  return loadSigner(home, trust);
}

// Two first runs at once must not each write half a pair: the pairs are made aside and renamed into place whole.
async function createKeysAtomically(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const aside = await mkdtemp(join(home, '.keys-'));
  try {
    await initKeys(aside);
    // rename replaces only a missing or empty directory; a pair another run put there first is kept.
    await rename(keyPaths(aside).dir, keyPaths(home).dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
