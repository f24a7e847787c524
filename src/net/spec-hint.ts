// A request off the spec's allowlist that the trusted ceiling would grant: the fix is one line in the spec.
import { SPEC_FILE } from '../spec/spec-file.js';
import { Allowlist, parseAllowEntry } from './allowlist.js';
import type { RequestTarget } from './request-target.js';

/** The entry a spec would add for this target: ports 80 and 443 need none, IPv6 needs brackets. */
function entryFor(target: RequestTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return target.port === 80 || target.port === 443 ? host : `${host}:${target.port}`;
}

/** The ceiling as the proxy reads it; an entry it cannot read grants nothing, so it hints nothing. */
export function ceilingAllowlist(entries: readonly string[]): Allowlist {
  return new Allowlist(
    entries.filter((e) => {
      try {
        return Boolean(parseAllowEntry(e));
      } catch {
        return false;
      }
    }),
  );
}

function covers(list: Allowlist, target: RequestTarget): boolean {
  return target.ip !== undefined
    ? list.allowsAddress(target.ip, target.port)
    : list.allowsName(target.host, target.port);
}

/** Says what to add to the spec when the ceiling covers the target, else nothing. */
export function specHint(ceiling: Allowlist, target: RequestTarget): string {
  if (!covers(ceiling, target)) return '';
  return ` (the trusted policy allows it: add ${entryFor(target)} to network.allow in ${SPEC_FILE})`;
}

/** Says the policy is what lacks the target when the spec's own entries cover it, else nothing. */
export function policyHint(specOnly: Allowlist, target: RequestTarget): string {
  if (!covers(specOnly, target)) return '';
  return ` (${SPEC_FILE} asks for it, the trusted policy does not allow it: add ${entryFor(target)} to network.allow there)`;
}
