// The ceilings for a job: the operator's policy, narrowed by the default branch's spec and the base branch's.
import { trustedOnlyKey } from '../net/trusted-only-entry.js';
import { parseSpec } from '../spec/parse.js';
import { intersectPolicies } from '../spec/policy-intersection.js';
import type { Policy } from '../spec/policy.js';
import type { Spec } from '../spec/types.js';
import type { AppJob } from './app-job.js';
import { SPEC_FILE } from '../spec/spec-file.js';
import { readCommittedSpec } from './committed-spec.js';
import { operatorCeiling } from './operator-policy.js';
import type { FetchedSource, TrustedBranch } from './source-fetch.js';
import type { RepositoryPolicies } from './repository-policies.js';

export interface Ceiling {
  policy: Policy;
  source: string;
}

/** A branch spec as a policy that narrows `over`: it has no say on build network, and no driver means no floor. */
function specAsPolicy(spec: Spec, over: Policy): Policy {
  const limits = { ...over.limits, ...spec.limits };
  return { ...over, allow: spec.allow, limits, driver: spec.driver ?? 'namespace' };
}

/** The branch's spec, absent (undefined) or unusable (null): a broken spec is never read as permission. */
async function branchSpec(gitDir: string, branch: TrustedBranch): Promise<Spec | undefined | null> {
  try {
    const text = await readCommittedSpec(gitDir, branch.rev);
    return text === undefined ? undefined : parseSpec(text, SPEC_FILE);
  } catch {
    return null;
  }
}

/**
 * ConstrainNetworkAccess: only the operator widens. The effective ceiling is the operator's policy
 * intersected with the default branch's spec and a pull request's base branch spec; the head's spec
 * narrows it further later. Addresses and private names come only from the operator's file.
 */
export async function trustedCeiling(
  job: AppJob,
  source: FetchedSource,
  policies: RepositoryPolicies,
): Promise<Ceiling> {
  const operator = operatorCeiling(job, policies);
  let policy = operator.policy;
  const sources = [operator.source];
  // With the built-in default, the first branch spec stands in for the operator's list of public names.
  let namesOpen = operator.publicNamesFromBranches;
  for (const branch of source.trusted) {
    const where = `${job.owner}/${job.repo}@${branch.name}:${SPEC_FILE}`;
    const spec = await branchSpec(source.gitDir, branch);
    if (spec === null) sources.push(`${where} is invalid`);
    else if (spec) sources.push(where);
    // A missing spec narrows nothing the operator listed; where the names were left to the branches, it allows none.
    const narrowing = spec
      ? specAsPolicy(spec, policy)
      : spec === null || namesOpen
        ? { ...policy, allow: [] }
        : undefined;
    if (!narrowing) continue;
    const over = namesOpen ? { ...policy, allow: publicNames(narrowing.allow) } : policy;
    policy = intersectPolicies(over, narrowing, trustedOnlyKey);
    namesOpen = false;
  }
  if (namesOpen) policy = { ...policy, allow: [] };
  return { policy, source: sources.join('; ') };
}

/** The ordinary names of a list: what the built-in default lets branch specs choose among. */
function publicNames(allow: string[]): string[] {
  return allow.filter((entry) => trustedOnlyKey(entry) === undefined);
}
