// IP literals in one canonical spelling, so `::FFFF:127.0.0.1`, `0:0::1` and `::1` compare as they route.
import { isIP, SocketAddress } from 'node:net';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/** The canonical text of an address; an IPv4-mapped IPv6 address becomes the IPv4 address inside. */
export function canonicalAddress(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 0) return undefined;
  try {
    const text = new SocketAddress({ address: ip, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
    return MAPPED_V4.exec(text)?.[1] ?? text;
  } catch {
    return undefined;
  }
}

export function familyOf(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}
