// The host's /etc/ssl as a build may see it: CA certificates and OpenSSL's configuration, never its
// private keys. A manager user in the ssl-cert group would otherwise hand the build the host's keys.
import { realpathSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

/** Where hosts keep TLS private keys under /etc/ssl (Debian's ssl-cert, most others). */
const PRIVATE = 'private';

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined; // dangling: a bind of it would fail the sandbox's start
  }
}

/**
 * The paths under sslDir to bind into a sandbox, each at the same place: every entry but the
 * private key directory, and but any link into it; none when there is no sslDir.
 */
export function hostSslEntries(sslDir = '/etc/ssl'): string[] {
  let names: string[];
  try {
    names = readdirSync(sslDir);
  } catch {
    return [];
  }
  const keys = realpath(join(sslDir, PRIVATE));
  const isKey = (real: string): boolean =>
    keys !== undefined && (real === keys || real.startsWith(keys + sep));
  return names
    .filter((name) => name !== PRIVATE)
    .map((name) => join(sslDir, name))
    .filter((path) => {
      const real = realpath(path);
      return real !== undefined && !isKey(real);
    });
}
