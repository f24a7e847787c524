// ConstrainNetworkAccess: from an allowed target to the addresses we will dial, resolved and checked here, once.
import type { Allowlist } from './allowlist.js';
import { EgressRefusal } from './egress-errors.js';
import { isForbiddenAddress } from './forbidden-address.js';
import { canonicalAddress } from './ip-address.js';
import type { RequestTarget } from './request-target.js';

export type Resolver = (host: string) => Promise<string[]>;

/** Enough to fall back from IPv6 to IPv4 without letting a hostile resolver make us dial all night. */
const MAX_ADDRESSES = 4;

function literalRoute(target: RequestTarget & { ip: string }, allowlist: Allowlist): string[] {
  // An IP literal passes only when an entry names it; that is also the one way into a private range.
  if (allowlist.allowsAddress(target.ip, target.port)) return [target.ip];
  throw new EgressRefusal(
    'denied',
    `${target.host} port ${target.port} is an IP address not on the allowlist`,
  );
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
): Promise<string[]> {
  if (target.ip !== undefined) return literalRoute({ ...target, ip: target.ip }, allowlist);
  if (!allowlist.allowsName(target.host, target.port))
    throw new EgressRefusal('denied', `${target.host} port ${target.port} is not on the allowlist`);
  return resolveChecked(target, resolve);
}
