// Reads QEMU's filter-dump capture of what the guest sent (host side) into violations.
import type { PhaseName, Violation } from '../../net/violation.js';

export interface Attempt {
  at: number;
  proto: 'tcp' | 'udp' | 'icmp';
  host: string;
  port: number;
}

function ipv6(b: Buffer): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i).toString(16));
  return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** IPv4 and IPv6 packets the guest sent: TCP SYNs, UDP datagrams, ICMP echoes. */
function attemptOf(frame: Buffer, at: number): Attempt | undefined {
  if (frame.length < 14) return undefined;
  const type = frame.readUInt16BE(12);
  let proto: number, host: string, l4: number;
  if (type === 0x0800 && frame.length >= 34) {
    proto = frame[23] as number;
    host = [...frame.subarray(30, 34)].join('.');
    l4 = 14 + ((frame[14] as number) & 0x0f) * 4;
  } else if (type === 0x86dd && frame.length >= 54) {
    proto = frame[20] as number;
    host = ipv6(frame.subarray(38, 54));
    l4 = 54;
  } else return undefined;
  if (proto === 6 && frame.length >= l4 + 14) {
    const flags = frame[l4 + 13] as number;
    const syn = (flags & 0x02) !== 0 && (flags & 0x10) === 0;
    return syn ? { at, proto: 'tcp', host, port: frame.readUInt16BE(l4 + 2) } : undefined;
  }
  if (proto === 17 && frame.length >= l4 + 4)
    return { at, proto: 'udp', host, port: frame.readUInt16BE(l4 + 2) };
  if (proto === 1) return { at, proto: 'icmp', host, port: 0 };
  return undefined;
}

/** Classic pcap (what filter-dump writes): a 24-byte header, then 16-byte record headers. */
export function attemptsFromPcap(pcap: Buffer): Attempt[] {
  const out: Attempt[] = [];
  if (pcap.length < 24 || pcap.readUInt32LE(0) !== 0xa1b2c3d4) return out;
  for (let off = 24; off + 16 <= pcap.length;) {
    const at = pcap.readUInt32LE(off) * 1000 + Math.floor(pcap.readUInt32LE(off + 4) / 1000);
    const len = pcap.readUInt32LE(off + 8);
    const a = attemptOf(pcap.subarray(off + 16, off + 16 + len), at);
    if (a) out.push(a);
    off += 16 + len;
  }
  return out;
}

/** Anything but the proxy address is an attempt to get out; DNS is named as such. */
export function violationsFromAttempts(
  attempts: Attempt[],
  proxy: { host: string; port: number },
  phaseAt: (t: number) => PhaseName,
): Violation[] {
  const seen = new Map<string, Violation>();
  for (const a of attempts) {
    if (a.proto === 'tcp' && a.host === proxy.host && a.port === proxy.port) continue;
    const phase = phaseAt(a.at);
    const dns = a.port === 53;
    const v: Violation = {
      kind: dns ? 'dns' : 'network',
      phase,
      host: a.host,
      port: a.port,
      detail: dns ? `direct DNS query to ${a.host}:53` : `direct ${a.proto} to ${a.host}:${a.port}`,
    };
    seen.set(`${phase} ${v.kind} ${a.proto} ${a.host} ${a.port}`, v);
  }
  return [...seen.values()];
}
