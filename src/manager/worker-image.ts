// A digest naming what the build ran on, for cache keys and provenance.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { DriverName } from '../spec/types.js';

/**
 * The namespace driver runs on the host's read-only /usr, so its "image" is the host OS: named by
 * os-release and the package database's size and time, which change whenever a package does.
 */
export async function workerImageDigest(driver: DriverName, imagePath?: string): Promise<string> {
  const h = createHash('sha256').update(driver);
  if (driver !== 'namespace' && imagePath) {
    const st = await stat(imagePath);
    h.update(`${imagePath}:${st.size}:${st.mtimeMs}`);
  } else {
    h.update(await readFile('/etc/os-release').catch(() => Buffer.from('')));
    const db = await stat('/var/lib/dpkg/status').catch(() => undefined);
    h.update(`${db?.size ?? 0}:${db?.mtimeMs ?? 0}`);
  }
  return h.digest('hex');
}
