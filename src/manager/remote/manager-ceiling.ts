// HostProtection: the manager host's own policy caps what any client may ask of it, whatever the
// client's trusted policy said: limits are the smaller of the two, every network entry must be
// covered by the manager's allowlist too, the driver is at least the manager's floor, and the
// images are the ones this host lists.
import { ContractorError } from '../../errors.js';
import { strongerDriver } from '../../spec/driver-floor.js';
import { type EffectivePolicy, type Policy } from '../../spec/policy.js';
import { insecureBoth, uncovered } from '../../spec/policy-intersection.js';
import type { Limits } from '../../spec/types.js';

/** The client's policy under this manager's: a Policy the job's spec is then held to. */
export function narrowToManager(
  asked: EffectivePolicy,
  ceiling: Policy,
  ceilingSource: string,
): Policy & { source: string } {
  const refused = uncovered(asked.allow, ceiling.allow);
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
    allow: asked.allow,
    buildNetwork: asked.buildNetwork && ceiling.buildNetwork,
    limits,
    driver: strongerDriver(asked.driver, ceiling.driver),
    images: ceiling.images,
    workspaces: [],
    // The client's trusted side allowed containers only if its effective policy carries them.
    ...(asked.containers && ceiling.containers !== false ? {} : { containers: false }),
    // Plain HTTP to a registry only where both the client's policy and this host's allow it.
    ...insecureBoth(asked.insecureRegistries, ceiling.insecureRegistries),
    source: `${asked.source}, narrowed by ${ceilingSource}`,
  };
}
