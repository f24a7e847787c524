// The ceilings for a job, from the trusted side only: the operator's config, else the trusted branch's spec.
import { parseSpec } from '../spec/parse.js';
import { strongerDriver } from '../spec/driver-floor.js';
import { DEFAULT_POLICY, type Policy } from '../spec/policy.js';
import type { Limits } from '../spec/types.js';
import type { AppJob } from './app-job.js';
import { SPEC_FILE } from '../spec/spec-file.js';
import { readCommittedSpec } from './committed-spec.js';
import type { FetchedSource } from './source-fetch.js';
import type { RepositoryPolicies } from './repository-policies.js';

export interface Ceiling {
  policy: Policy;
  source: string;
}

/** A trusted spec as a ceiling: its allowlist, its limits under the operator's default limits. */
function specCeiling(text: string, fallback: Policy): Policy {
  const spec = parseSpec(text, SPEC_FILE);
  const limits = { ...fallback.limits };
  for (const [k, v] of Object.entries(spec.limits) as [keyof Limits, number][])
    limits[k] = Math.min(v, fallback.limits[k]);
  // DriverFloor: the trusted spec may raise the operator's floor, never lower it.
  const driver = strongerDriver(spec.driver ?? fallback.driver, fallback.driver);
  return { ...fallback, allow: spec.allow, buildNetwork: false, limits, driver };
}

/**
 * ConstrainNetworkAccess: the head's spec never sets its own ceiling. A pull request is held to its
 * base branch, anything else to the default branch, unless the operator's config names the repository.
 */
export async function trustedCeiling(
  job: AppJob,
  source: FetchedSource,
  policies: RepositoryPolicies,
): Promise<Ceiling> {
  const name = `${job.owner}/${job.repo}`;
  const configured = policies.repositories.get(name.toLowerCase());
  if (configured) return { policy: configured, source: `${policies.file} (${name})` };
  const fallback = policies.default ?? DEFAULT_POLICY;
  const fallbackSource = policies.default
    ? `${policies.file} (default)`
    : 'built-in default (no network)';
  try {
    const text = await readCommittedSpec(source.gitDir, source.trustedRev);
    if (text === undefined) return { policy: fallback, source: fallbackSource };
    return {
      policy: specCeiling(text, fallback),
      source: `${name}@${source.trustedName}:${SPEC_FILE}`,
    };
  } catch {
    // A broken trusted spec grants nothing: the safe fallback, not the head's wishes.
    return {
      policy: fallback,
      source: `${fallbackSource}; ${source.trustedName}:${SPEC_FILE} is invalid`,
    };
  }
}
