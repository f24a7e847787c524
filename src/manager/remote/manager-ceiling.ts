// HostProtection: the manager host's own policy caps what any client may ask of it, whatever the
// client's trusted policy said: limits are the smaller of the two, and every network entry must
// be covered by the manager's allowlist too.
import { ContractorError } from '../../errors.js';
import { entryCovers, type EffectivePolicy, type Policy } from '../../spec/policy.js';
import type { Limits } from '../../spec/types.js';

export function narrowToManager(
  asked: EffectivePolicy,
  ceiling: Policy,
  ceilingSource: string,
): EffectivePolicy {
  const refused = asked.allow.filter((want) => !ceiling.allow.some((c) => entryCovers(c, want)));
  if (refused.length)
    throw new ContractorError(
      'POLICY',
      `this manager's policy (${ceilingSource}) does not allow ${refused.join(', ')}; ` +
        `ask its operator to add them to network.allow there, or run the job elsewhere`,
    );
  const limits = { ...asked.limits };
  for (const k of Object.keys(limits) as (keyof Limits)[])
    limits[k] = Math.min(limits[k], ceiling.limits[k]);
  return {
    ...asked,
    buildNetwork: asked.buildNetwork && ceiling.buildNetwork,
    limits,
    source: `${asked.source}, narrowed by ${ceilingSource}`,
  };
}
