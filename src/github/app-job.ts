// One build the App owes GitHub: which commit, of which repository, for which event, and how to fetch it.

export type AppEvent = 'push' | 'pull_request' | 'check_suite' | 'check_run';

export interface PullRequestRef {
  number: number;
  /** The base branch: the trusted side whose spec sets the ceilings. */
  baseRef: string;
  baseSha: string;
  /** The head lives in another repository; it is fetched as refs/pull/N/head from the base. */
  fork: boolean;
}

export interface AppJob {
  /** The idempotency key: one check run per delivery and sha, whatever happens to the App. */
  key: string;
  delivery: string;
  event: AppEvent;
  action: string | null;
  installationId: number | null;
  owner: string;
  repo: string;
  /** GitHub's numeric repository id: the operator's entries match on it as well as on the name. */
  repoId: number;
  sha: string;
  /** The branch a push or check suite was for, when GitHub says. */
  ref: string | null;
  defaultBranch: string;
  /** The repository was private when the event came: its report pages need a signed-in reader. */
  private?: boolean;
  pull: PullRequestRef | null;
  /** A re-request: build again even though this sha already has a check run. */
  rerun: boolean;
}

/** What an event handler makes of a delivery: a build to queue, or a reason to do nothing. */
export type JobIntent =
  | { kind: 'build'; job: Omit<AppJob, 'key' | 'delivery'> }
  | {
      kind: 'ignore';
      reason: string;
      /** The operator should see it in the log, not only GitHub in the answer. */ logged?: boolean;
    };

export function jobKey(delivery: string, sha: string): string {
  return `${delivery}:${sha}`;
}

/** The branch or pull request a head belongs to: a newer head in the same lane replaces it. */
export function laneOf(job: Pick<AppJob, 'pull' | 'ref'>): string | null {
  if (job.pull) return `pull/${job.pull.number}`;
  return job.ref ? `ref/${job.ref.replace(/^refs\/heads\//, '')}` : null;
}
