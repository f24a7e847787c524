// The head's spec under the trusted ceiling: what it asks for, never more, or a refusal that says why.
import { ContractorError } from '../errors.js';
import { trustedOnlyKey } from '../net/trusted-only-entry.js';
import { effectivePolicy, type EffectivePolicy } from '../spec/policy.js';
import { granted } from '../spec/policy-intersection.js';
import type { Spec } from '../spec/types.js';
import type { Ceiling } from './trusted-policy.js';

/**
 * ConstrainNetworkAccess: every entry must be granted by the ceiling with all its ports; an address or
 * private name only by an entry naming exactly it, which only the operator's file can hold.
 */
export function headPolicy(spec: Spec, ceiling: Ceiling): EffectivePolicy {
  const refused = spec.allow.filter((want) => !granted(want, ceiling.policy.allow, trustedOnlyKey));
  if (refused.length)
    throw new ContractorError(
      'POLICY',
      `${spec.file}: network.allow asks for ${refused.join(', ')}, which the effective policy (${ceiling.source}) does not allow. ` +
        "Branch specs can only narrow the operator's policy; IP addresses and loopback, private, link-local or metadata names " +
        "are granted only by an entry naming exactly that address in the App operator's repositories file",
    );
  // DriverFloor: the ceiling's driver is a floor; a head asking for less is refused there.
  return effectivePolicy(spec, ceiling.policy, ceiling.source);
}
