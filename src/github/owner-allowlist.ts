// Which accounts' installations the App builds for: anyone may install a public App, only listed owners get builds.
import type { JobIntent } from './app-job.js';

/** A build for an account not in `owners` (lower-case logins; empty: all) becomes an acknowledged no-op, with the reason. */
export function admitOwner(intent: JobIntent, owners: readonly string[]): JobIntent {
  if (intent.kind !== 'build' || owners.length === 0) return intent;
  const { owner, repo } = intent.job;
  if (owners.includes(owner.toLowerCase())) return intent;
  return {
    kind: 'ignore',
    logged: true,
    reason: `${owner}/${repo}: the installation's account ${owner} is not an allowed owner (--allow-owner or owners: in the repositories file); not built`,
  };
}
