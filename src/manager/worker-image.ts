// A digest naming what the build ran on, for cache keys and provenance.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { DriverName } from '../spec/types.js';
import { imagePaths } from '../worker/image/image-paths.js';

/**
 * The vm driver boots the named image (one the policy lists, never a path the spec chose): named
 * by its manifest. The namespace and gvisor drivers run on the host's read-only /usr, so their
 * "image" is the host OS: named by os-release and the package database's size and time, which
 * change whenever a package does.
 */
export async function workerImageDigest(driver: DriverName, image: string): Promise<string> {
  const h = createHash('sha256').update(driver);
  if (driver === 'vm') {
    h.update(image);
    h.update(await readFile(imagePaths(image).manifest).catch(() => Buffer.from('no manifest')));
  } else {
    h.update(await readFile('/etc/os-release').catch(() => Buffer.from('')));
    const db = await stat('/var/lib/dpkg/status').catch(() => undefined);
    h.update(`${db?.size ?? 0}:${db?.mtimeMs ?? 0}`);
  }
  return h.digest('hex');
}
