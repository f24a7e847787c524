// The manager's host key, pinned: from a known_hosts file or a configured fingerprint or key.
// An unknown or different key is refused; nothing is ever trusted on first use.
import { createHash, createHmac } from 'node:crypto';
import { ContractorError } from '../../errors.js';

export interface HostKeyPin {
  /** Where the pin came from, for messages. */
  source: string;
  matches(key: Buffer): boolean;
  /** The host key algorithms worth negotiating, so the server presents the pinned key. */
  algorithms?: string[];
}

/** OpenSSH's fingerprint: SHA256: and the unpadded base64 of the key blob's digest. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

const ALGORITHMS: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

function algorithmsFor(types: string[]): string[] {
  return [...new Set(types.flatMap((t) => ALGORITHMS[t] ?? [t]))];
}

/** A configured `SHA256:…` fingerprint, or a whole public key line (`ssh-ed25519 AAAA…`). */
export function pinFromConfig(hostKey: string, source: string): HostKeyPin {
  const value = hostKey.trim();
  if (value.startsWith('SHA256:')) {
    const wanted = value.replace(/=+$/, '');
    return { source, matches: (key) => fingerprintOf(key) === wanted };
  }
  const [type, blob] = value.split(/\s+/);
  if (!type || !blob || !namesItsType(Buffer.from(blob, 'base64'), type))
    throw new ContractorError(
      'USAGE',
      `${source}: hostKey must be a SHA256:… fingerprint or a public key line such as "ssh-ed25519 AAAA…"`,
    );
  const pinned = Buffer.from(blob, 'base64');
  return { source, matches: (key) => key.equals(pinned), algorithms: algorithmsFor([type]) };
}

/** An SSH public key blob starts with its own type name, length-prefixed. */
function namesItsType(blob: Buffer, type: string): boolean {
  return (
    blob.length > 4 + type.length && blob.subarray(4, 4 + blob.readUInt32BE(0)).toString() === type
  );
}

/** The known_hosts spelling of a host: `[host]:port` unless the port is 22. */
function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const patterns = field.split(',');
  if (patterns.some((p) => p.startsWith('!') && p.slice(1) === name)) return false;
  return patterns.includes(name);
}

interface KnownKey {
  type: string;
  blob: Buffer;
  revoked: boolean;
}

function knownKeys(text: string, name: string): KnownKey[] {
  const keys: KnownKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    // A CA line vouches for certificates, which are not pinned keys.
    if (marker === '@cert-authority') continue;
    const [hosts, type, blob] = fields;
    if (!hosts || !type || !blob || !hostMatches(hosts, name)) continue;
    keys.push({ type, blob: Buffer.from(blob, 'base64'), revoked: marker === '@revoked' });
  }
  return keys;
}

export function pinFromKnownHosts(
  text: string,
  file: string,
  host: string,
  port: number,
): HostKeyPin {
  const name = hostPattern(host, port);
  const keys = knownKeys(text, name);
  const trusted = keys.filter((k) => !k.revoked);
  if (!trusted.length)
    throw new ContractorError(
      'USAGE',
      `${file} has no key for ${name}; check the manager's fingerprint out of band, then add it ` +
        `(ssh-keyscan -p ${port} ${host} >> ${file}), or set hostKey in config.yaml`,
    );
  return {
    source: file,
    matches: (key) =>
      !keys.some((k) => k.revoked && k.blob.equals(key)) && trusted.some((k) => k.blob.equals(key)),
    algorithms: algorithmsFor(trusted.map((k) => k.type)),
  };
}
