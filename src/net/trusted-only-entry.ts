// ConstrainNetworkAccess: allowlist entries only the operator may grant — addresses and the names of the host's own networks.
import { parseAllowEntry } from './allowlist.js';
import { normaliseHost } from './host-name.js';

// Names that resolve to the host, its LAN or a cloud's metadata service rather than to the internet.
const LOCAL_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'localdomain',
  'lan',
  'intranet',
  'home.arpa',
  'arpa',
];
// inet_aton reads 0x7f.1 or 2130706433 as an address: a "name" made of numbers is an address in disguise.
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;

function inLocalNamespace(host: string): boolean {
  if (host.split('.').every((l) => NUMERIC_LABEL.test(l))) return true;
  return LOCAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`));
}

// A single label goes through the resolver's search domains: the operator's network, not the internet.
function isLocalName(host: string): boolean {
  return !host.includes('.') || inLocalNamespace(host);
}

/**
 * The canonical key of an entry that only the operator's file may grant (an IP literal, v4 or v6, or
 * a name in a loopback, private, link-local or metadata namespace), or undefined for an ordinary name.
 * Such an entry is allowed only where an operator entry has the very same key: never through a wildcard.
 */
export function trustedOnlyKey(entry: string): string | undefined {
  let parsed;
  try {
    parsed = parseAllowEntry(entry);
  } catch {
    // An entry the proxy would refuse anyway: only the operator's identical text lets it through.
    return `raw:${normaliseHost(entry)}`;
  }
  const ports = parsed.ports.join(',');
  if (parsed.kind === 'address') return `address:${parsed.address}|${ports}`;
  if (parsed.kind === 'suffix')
    return inLocalNamespace(parsed.suffix) ? `suffix:${parsed.suffix}|${ports}` : undefined;
  return isLocalName(parsed.host) ? `name:${parsed.host}|${ports}` : undefined;
}
