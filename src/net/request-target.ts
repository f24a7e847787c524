// Where a request asks to go, parsed from the CONNECT authority or the absolute-form URI; malformed is a 400.
import { isIPv4, isIPv6 } from 'node:net';
import { EgressRefusal } from './egress-errors.js';
import { isHostName, normaliseHost } from './host-name.js';
import { canonicalAddress } from './ip-address.js';

export interface RequestTarget {
  /** Normalised host name, or the canonical IP literal. */
  host: string;
  port: number;
  /** Set when the build named an IP address rather than a host name. */
  ip?: string;
}

const AUTHORITY = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

function targetOf(rawHost: string, port: number, what: string): RequestTarget {
  if (!(port >= 1 && port <= 65535)) throw new EgressRefusal('malformed', `bad port in ${what}`);
  if (isIPv4(rawHost) || isIPv6(rawHost)) {
    const ip = canonicalAddress(rawHost) ?? rawHost;
    return { host: ip, port, ip };
  }
  const host = normaliseHost(rawHost);
  if (!isHostName(host)) throw new EgressRefusal('malformed', `bad host name in ${what}`);
  return { host, port };
}

/** `host:port` or `[v6]:port`; CONNECT always names its port. */
export function parseConnectAuthority(authority: string): RequestTarget {
  const m = AUTHORITY.exec(authority);
  if (!m) throw new EgressRefusal('malformed', 'CONNECT needs host:port');
  const v6 = m[1];
  if (v6 !== undefined && !isIPv6(v6))
    throw new EgressRefusal('malformed', 'bad IPv6 address in CONNECT');
  return targetOf(v6 ?? m[2] ?? '', Number(m[3]), 'CONNECT');
}

/** `http://host[:port]/path`; https:// must come through CONNECT, since we do not originate TLS. */
export function parseProxyUrl(url: string): RequestTarget & { path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EgressRefusal('malformed', 'a proxy request needs an absolute http:// URI');
  }
  if (parsed.protocol !== 'http:')
    throw new EgressRefusal(
      'malformed',
      `${parsed.protocol}// is not proxied; use CONNECT for https`,
    );
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const target = targetOf(host, parsed.port ? Number(parsed.port) : 80, 'the request URI');
  return { ...target, path: `${parsed.pathname}${parsed.search}` };
}
