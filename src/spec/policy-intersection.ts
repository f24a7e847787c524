// Policies combined so that none of them widens another: the effective ceiling is what every one allows.
import { strongerDriver } from './driver-floor.js';
import type { Policy } from './policy.js';
import type { Limits } from './types.js';

/** An entry only an exact match from the trusted side may grant (see net/trusted-only-entry.ts), else undefined. */
export type TrustedOnlyKey = (entry: string) => string | undefined;

// An entry without a port opens the two web ports, as the proxy reads it.
const DEFAULT_PORTS = ['443', '80'];

function splitEntry(entry: string): { host: string; ports: string[] } {
  const e = entry.toLowerCase().replace(/\.$/, '');
  const v6 = /^(\[[^\]]+\])(?::(\d+))?$/.exec(e);
  if (v6) return { host: v6[1] as string, ports: v6[2] ? [v6[2]] : DEFAULT_PORTS };
  const i = e.lastIndexOf(':');
  return i < 0
    ? { host: e, ports: DEFAULT_PORTS }
    : { host: e.slice(0, i), ports: [e.slice(i + 1)] };
}

/** Does `ceiling` let through everything `wanted` asks for: the same host or a wildcard over it, and every port? */
export function allowCovers(ceiling: string, wanted: string): boolean {
  const c = splitEntry(ceiling);
  const w = splitEntry(wanted);
  if (!w.ports.every((p) => c.ports.includes(p))) return false;
  if (c.host === w.host) return true;
  if (!c.host.startsWith('*.')) return false;
  const suffix = c.host.slice(1);
  const host = w.host.startsWith('*.') ? w.host.slice(1) : w.host;
  return host.endsWith(suffix) && host.length > suffix.length;
}

/** The entries of `wanted` that no entry of `ceiling` covers: what a ceiling refuses. */
export function uncovered(wanted: readonly string[], ceiling: readonly string[]): string[] {
  return wanted.filter((w) => !ceiling.some((c) => allowCovers(c, w)));
}

/** Is `wanted` granted by `ceiling`? A trusted-only entry needs an entry with its very key, never a wildcard. */
export function granted(wanted: string, ceiling: readonly string[], key: TrustedOnlyKey): boolean {
  const k = key(wanted);
  if (k !== undefined) return ceiling.some((c) => key(c) === k);
  return ceiling.some((c) => allowCovers(c, wanted));
}

/**
 * ConstrainNetworkAccess: the entries both lists allow. An entry of either list stays when the other
 * covers it; an untrusted list's trusted-only entry stays only when the trusted list names it exactly.
 */
export function intersectAllow(
  trusted: readonly string[],
  untrusted: readonly string[],
  key: TrustedOnlyKey,
): string[] {
  const fromTrusted = trusted.filter((t) =>
    untrusted.some((u) => allowCovers(u, t) || (key(t) !== undefined && key(u) === key(t))),
  );
  const fromUntrusted = untrusted.filter((u) => granted(u, trusted, key));
  return [...new Set([...fromTrusted, ...fromUntrusted])];
}

function minLimits(a: Limits, b: Limits): Limits {
  const limits = { ...a };
  for (const k of Object.keys(limits) as (keyof Limits)[]) limits[k] = Math.min(a[k], b[k]);
  return limits;
}

/** Plain-HTTP registries only where both policies name them: either side may withhold TLS's loosening. */
export function insecureBoth(
  a: string[] = [],
  b: string[] = [],
): { insecureRegistries?: string[] } {
  const both = a.filter((r) => b.includes(r));
  return both.length ? { insecureRegistries: both } : {};
}

/** What both policies allow: allowlists intersected, the lower of each limit, build network only if both, the stronger driver. */
export function intersectPolicies(trusted: Policy, untrusted: Policy, key: TrustedOnlyKey): Policy {
  return {
    ...trusted,
    allow: intersectAllow(trusted.allow, untrusted.allow, key),
    buildNetwork: trusted.buildNetwork && untrusted.buildNetwork,
    limits: minLimits(trusted.limits, untrusted.limits),
    driver: strongerDriver(trusted.driver, untrusted.driver),
    ...(trusted.containers === false || untrusted.containers === false
      ? { containers: false }
      : {}),
    ...insecureBoth(trusted.insecureRegistries, untrusted.insecureRegistries),
  };
}
