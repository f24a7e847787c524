// Where Contractor is installed: the directory holding its package.json and schemas/. Found by
// walking up from this file, so it is right both in dist/src/ and in the bundle in dist/bundle/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findInstallRoot(): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    if (dirname(dir) === dir)
      throw new Error(`cannot find Contractor's install directory above ${here}`);
  }
}

export const INSTALL_ROOT = findInstallRoot();

/** A path inside the install directory. */
export function installPath(...parts: string[]): string {
  return join(INSTALL_ROOT, ...parts);
}
