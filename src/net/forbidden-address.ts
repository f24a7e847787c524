// ConstrainNetworkAccess: the ranges a build may never reach by name — the host, its LAN, the cloud metadata service.
import { BlockList } from 'node:net';
import { canonicalAddress, familyOf } from './ip-address.js';

const V4_RANGES: [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes the metadata service 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking, often used inside data centres
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
];

const V6_RANGES: [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b::', 96], // NAT64: would carry us to any IPv4 address, private ones included
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2002::', 16], // 6to4 embeds an IPv4 address we would have to judge; refuse the lot
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

const FORBIDDEN = buildList();

function buildList(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of V4_RANGES) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of V6_RANGES) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

/** True when the address is in a range the build may not reach by name; unparseable counts as forbidden. */
export function isForbiddenAddress(ip: string): boolean {
  // IPv4-mapped IPv6 is judged as the IPv4 address inside, which canonicalAddress extracts.
  const canonical = canonicalAddress(ip);
  if (canonical === undefined) return true;
  return FORBIDDEN.check(canonical, familyOf(canonical));
}
