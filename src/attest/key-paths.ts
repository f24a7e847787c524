// Where the signing key pairs live: under the trusted per-user home, never in a repository.
import { join } from 'node:path';

export { contractorHome } from '../spec/config-home.js';

/** Which pair: trusted sources sign with one, untrusted ones (a fork's pull request) with the other. */
export type KeyTrust = 'trusted' | 'untrusted';

export interface KeyPaths {
  dir: string;
  privatePath: string;
  publicPath: string;
}

export function keyPaths(home: string, trust: KeyTrust = 'trusted'): KeyPaths {
  const dir = join(home, 'keys');
  const name = trust === 'trusted' ? 'contractor' : 'untrusted';
  return {
    dir,
    privatePath: join(dir, `${name}.key`),
    publicPath: join(dir, `${name}.pub`),
  };
}
