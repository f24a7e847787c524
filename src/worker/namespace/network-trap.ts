// ConstrainNetworkAccess: inside the holder's netns every non-loopback packet is recorded and refused.
import { execFile } from 'node:child_process';
import type { PhaseName, Violation } from '../../net/violation.js';

/** A /30 from the benchmarking range and a ULA: nothing here ever leaves this network namespace. */
const TRAP_ROUTES = `link set lo up
link add ct0 type veth peer name ct1
link set ct1 up
link set ct0 up
addr add 198.18.0.1/30 dev ct0
addr add fdc0:de::1/64 dev ct0 nodad
route add default via 198.18.0.2 dev ct0
route add default via fdc0:de::2 dev ct0
`;

const TABLE = 'inet contractor_trap';

const TRAP_RULES = `table ${TABLE} {
  set v4 { type ipv4_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  set v6 { type ipv6_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  chain output {
    type filter hook output priority 0; policy accept;
    oif lo accept
    meta nfproto ipv4 meta l4proto { tcp, udp, sctp, dccp, udplite } add @v4 { ip daddr . meta l4proto . th dport }
    meta nfproto ipv6 meta l4proto { tcp, udp, sctp, dccp, udplite } add @v6 { ip6 daddr . meta l4proto . th dport }
    meta l4proto tcp reject with tcp reset
    meta nfproto ipv4 reject with icmp type admin-prohibited
    meta nfproto ipv6 reject with icmpv6 type admin-prohibited
    drop
  }
}
`;

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 ** 2 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    // A tool that exits without reading its input is reported by its exit status, not by EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** Routes everything to the veth and arms the rules; throws if any part is missing. */
export async function armTrap(): Promise<void> {
  await run('ip', ['-force', '-batch', '-'], TRAP_ROUTES);
  await run('nft', ['-f', '-'], TRAP_RULES);
}

/** An element of a trap set: address, protocol, port. */
type Attempt = [string, string | number, number];

interface NftSetElem {
  concat?: Attempt;
  elem?: { val?: { concat?: Attempt } };
}

interface NftList {
  nftables?: { set?: { name: string; elem?: NftSetElem[] } }[];
}

/** The trap's protocols by number: nft names them from /etc/protocols, which a minimal system lacks. */
const PROTOCOLS: Record<number, string> = {
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  132: 'sctp',
  136: 'udplite',
};

function protocolName(proto: string | number): string {
  if (typeof proto === 'string' && !/^\d+$/.test(proto)) return proto;
  return PROTOCOLS[Number(proto)] ?? `protocol ${proto}`;
}

function violation(phase: PhaseName, [host, protoSeen, port]: Attempt): Violation {
  const proto = protocolName(protoSeen);
  const dns = port === 53 && (proto === 'udp' || proto === 'tcp');
  return {
    kind: dns ? 'dns' : 'network',
    phase,
    host,
    port,
    detail: dns
      ? `DNS query to ${host} (${proto})`
      : `direct ${proto} connection to ${host} port ${port}`,
  };
}

/** Every distinct destination the phase tried, then the sets are emptied for the next phase. */
export async function takeAttempts(phase: PhaseName, flush: boolean): Promise<Violation[]> {
  const listed = await run('nft', ['-j', 'list', 'table', ...TABLE.split(' ')]);
  if (flush) await run('nft', ['-f', '-'], `flush set ${TABLE} v4\nflush set ${TABLE} v6\n`);
  return attemptsListed(listed, phase);
}

/** The violations in `nft -j list table` output of the trap. */
export function attemptsListed(json: string, phase: PhaseName): Violation[] {
  const listed = JSON.parse(json) as NftList;
  return (listed.nftables ?? []).flatMap((entry) =>
    (entry.set?.elem ?? []).flatMap((e) => {
      const key = e.concat ?? e.elem?.val?.concat;
      return key ? [violation(phase, key)] : [];
    }),
  );
}
