// An App job's origin, from the verified webhook: the repository, the ref, the event, and its trust.
import type { SourceOrigin } from '../attest/source-origin.js';
import type { AppJob } from './app-job.js';

/**
 * A fork's pull request is untrusted. So is a check suite or run with no pull request named:
 * GitHub lists none for a fork's head, so it cannot be told apart from one; a re-run of a push
 * there is signed as untrusted rather than a fork's head as trusted.
 */
export function appOrigin(job: AppJob, gitUrl: string): SourceOrigin {
  const repository = `${gitUrl.replace(/\/+$/, '')}/${job.owner}/${job.repo}`;
  if (job.pull)
    return {
      repository,
      ref: `refs/pull/${job.pull.number}/head`,
      event: 'pull_request',
      trusted: !job.pull.fork,
    };
  return {
    repository,
    ...(job.ref ? { ref: `refs/heads/${job.ref}` } : {}),
    event: 'push',
    trusted: job.event === 'push',
  };
}
