// Where the manager's signing key pair lives: under the trusted per-user home, never in a repository.
import { join } from 'node:path';

export { contractorHome } from '../spec/config-home.js';

export interface KeyPaths {
  dir: string;
  privatePath: string;
  publicPath: string;
}

export function keyPaths(home: string): KeyPaths {
  const dir = join(home, 'keys');
  return {
    dir,
    privatePath: join(dir, 'contractor.key'),
    publicPath: join(dir, 'contractor.pub'),
  };
}
