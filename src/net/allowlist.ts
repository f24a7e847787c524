// ConstrainNetworkAccess: the job's allowlist, parsed once at the edge and matched per request.
import { isIPv4, isIPv6 } from 'node:net';
import { AllowlistEntryError } from './egress-errors.js';
import { isHostName, normaliseHost } from './host-name.js';
import { canonicalAddress } from './ip-address.js';

export type AllowEntry =
  | { kind: 'name'; host: string; ports: number[] }
  | { kind: 'suffix'; suffix: string; ports: number[] }
  | { kind: 'address'; address: string; ports: number[] };

/** An entry without a port opens the two web ports, as DESIGN.md promises. */
const DEFAULT_PORTS = [443, 80];
const BRACKETED = /^\[([^\]]*)\](?::([^:]*))?$/;
const HOST_PORT = /^([^:]*)(?::([^:]*))?$/;

function parsePort(entry: string, text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_PORTS;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new AllowlistEntryError(entry, `has a bad port ${JSON.stringify(text)}`);
  return [port];
}

function parseHost(entry: string, text: string, ports: number[]): AllowEntry {
  if (isIPv4(text)) return { kind: 'address', address: canonicalAddress(text) ?? text, ports };
  const host = normaliseHost(text);
  if (host.startsWith('*.') && isHostName(host.slice(2)))
    return { kind: 'suffix', suffix: host.slice(2), ports };
  if (host.includes('*'))
    throw new AllowlistEntryError(entry, 'may use * only as a whole leading label (*.example.com)');
  if (isHostName(host)) return { kind: 'name', host, ports };
  throw new AllowlistEntryError(entry, 'is not a host name');
}

export function parseAllowEntry(entry: string): AllowEntry {
  const bracketed = BRACKETED.exec(entry);
  if (bracketed) {
    const ip = bracketed[1] ?? '';
    if (!isIPv6(ip))
      throw new AllowlistEntryError(
        entry,
        'has brackets around something that is not an IPv6 address',
      );
    return {
      kind: 'address',
      address: canonicalAddress(ip) ?? ip,
      ports: parsePort(entry, bracketed[2]),
    };
  }
  if (isIPv6(entry)) throw new AllowlistEntryError(entry, 'is an IPv6 address without brackets');
  const hostPort = HOST_PORT.exec(entry);
  if (!hostPort || !hostPort[1]) throw new AllowlistEntryError(entry, 'is not host or host:port');
  return parseHost(entry, hostPort[1], parsePort(entry, hostPort[2]));
}

function nameMatches(e: AllowEntry, host: string): boolean {
  if (e.kind === 'name') return e.host === host;
  // The dot in the comparison is what keeps *.example.com from matching evil-example.com.
  if (e.kind === 'suffix') return host.endsWith(`.${e.suffix}`);
  return false;
}

export class Allowlist {
  readonly entries: readonly AllowEntry[];

  /** Throws AllowlistEntryError naming the first bad entry. */
  constructor(entries: readonly string[]) {
    this.entries = entries.map(parseAllowEntry);
  }

  /** For a host name (any case, trailing dot or not); never true for an IP literal. */
  allowsName(host: string, port: number): boolean {
    const h = normaliseHost(host);
    return this.entries.some((e) => e.ports.includes(port) && nameMatches(e, h));
  }

  /** True only when an entry names this very address: the one way to reach a private range. */
  allowsAddress(ip: string, port: number): boolean {
    const canonical = canonicalAddress(ip);
    return this.entries.some(
      (e) => e.kind === 'address' && e.address === canonical && e.ports.includes(port),
    );
  }
}
