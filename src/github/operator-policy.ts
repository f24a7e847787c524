// The operator's ceiling for one repository: its entry in the repositories file (name and id), else the file's default.
import { DEFAULT_POLICY, type Policy } from '../spec/policy.js';
import type { AppJob } from './app-job.js';
import type { RepositoryPolicies } from './repository-policies.js';

export interface OperatorCeiling {
  policy: Policy;
  source: string;
  /**
   * The built-in default: the operator named no hosts, so ordinary public names are as the branch
   * specs agree; addresses and private names are still never granted.
   */
  publicNamesFromBranches: boolean;
}

export function operatorCeiling(
  job: Pick<AppJob, 'owner' | 'repo' | 'repoId'>,
  policies: RepositoryPolicies,
): OperatorCeiling {
  const name = `${job.owner}/${job.repo}`;
  const entry = policies.repositories.get(name.toLowerCase());
  // A name whose id changed was deleted and registered again: the entry was for someone else.
  if (entry && entry.id === job.repoId)
    return {
      policy: entry.policy,
      source: `${policies.file} (${name})`,
      publicNamesFromBranches: false,
    };
  const mismatch = entry ? `; its entry is for repository id ${entry.id}, not ${job.repoId}` : '';
  if (policies.default)
    return {
      policy: policies.default,
      source: `${policies.file} (default${mismatch})`,
      publicNamesFromBranches: false,
    };
  return {
    policy: DEFAULT_POLICY,
    source: `built-in default${mismatch}`,
    publicNamesFromBranches: true,
  };
}
