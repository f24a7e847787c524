// ConstrainNetworkAccess: from an allowed target to the addresses we will dial, resolved and checked here, once.
import type { Allowlist } from './allowlist.js';
import { EgressRefusal } from './egress-errors.js';
import { isForbiddenAddress } from './forbidden-address.js';
import { canonicalAddress } from './ip-address.js';
import type { RequestTarget } from './request-target.js';

export type Resolver = (host: string) => Promise<string[]>;

export type MissHandler = (reason: string) => void;

/** Enough to fall back from IPv6 to IPv4 without letting a hostile resolver make us dial all night. */
const MAX_ADDRESSES = 4;

/** How a route treats a target the allowlist misses. */
export interface MissOptions {
  /** --audit: told of each miss, which is then carried; without it, a miss is refused. */
  onMiss?: MissHandler;
  /** What to add to the spec, when the trusted ceiling would allow the target. */
  hint?: (target: RequestTarget) => string;
}

function literalRoute(
  target: RequestTarget & { ip: string },
  allowlist: Allowlist,
  { onMiss, hint }: MissOptions,
): string[] {
  // An IP literal passes only when an entry names it; that is also the one way into a private range.
  if (allowlist.allowsAddress(target.ip, target.port)) return [target.ip];
  const reason = `${target.host} port ${target.port} is an IP address not on the allowlist${hint?.(target) ?? ''}`;
  // ConstrainNetworkAccess: even --audit never carries a build to the host, its LAN or the metadata service.
  if (!onMiss || isForbiddenAddress(target.ip)) throw new EgressRefusal('denied', reason);
  onMiss(reason);
  return [canonicalAddress(target.ip) as string];
}

async function resolveChecked(target: RequestTarget, resolve: Resolver): Promise<string[]> {
  let found: string[];
  try {
    found = await resolve(target.host);
  } catch (err) {
    throw new EgressRefusal('upstream', `cannot resolve ${target.host}`, { cause: err });
  }
  if (found.length === 0) throw new EgressRefusal('upstream', `${target.host} has no addresses`);
  // DNS rebinding: one local answer condemns the name, whatever else it resolves to.
  const local = found.find(isForbiddenAddress);
  if (local !== undefined)
    throw new EgressRefusal(
      'denied',
      `${target.host} resolves to ${local}, a private or local address`,
    );
  const canonical = found.map((a) => canonicalAddress(a) as string);
  return [...new Set(canonical)].slice(0, MAX_ADDRESSES);
}

/** The addresses to dial, in order; the name is resolved only after the allowlist has passed it. */
export async function routeFor(
  target: RequestTarget,
  allowlist: Allowlist,
  resolve: Resolver,
  miss: MissOptions = {},
): Promise<string[]> {
  if (target.ip !== undefined) return literalRoute({ ...target, ip: target.ip }, allowlist, miss);
  if (allowlist.allowsName(target.host, target.port)) return resolveChecked(target, resolve);
  const reason = `${target.host} port ${target.port} is not on the allowlist${miss.hint?.(target) ?? ''}`;
  const { onMiss } = miss;
  if (!onMiss) throw new EgressRefusal('denied', reason);
  // Resolved and range-checked like any allowed name first: a local answer is still refused.
  const addresses = await resolveChecked(target, resolve);
  onMiss(reason);
  return addresses;
}
