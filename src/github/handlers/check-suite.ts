// check_suite: GitHub asks every checks app to run on a new head, and again when a user re-runs all checks.
import type { JobIntent } from '../app-job.js';
import {
  assertPayload,
  INSTALLATION,
  LISTED_PULL,
  listedPull,
  payloadValidator,
  REPOSITORY,
  repositoryFields,
  SHA,
  type ListedPull,
  type RepositoryPayload,
} from './payload-schema.js';

interface CheckSuitePayload {
  action: string;
  check_suite: { head_sha: string; head_branch: string | null; pull_requests?: ListedPull[] };
  repository: RepositoryPayload;
  installation?: { id: number };
}

const validate = payloadValidator({
  type: 'object',
  required: ['action', 'check_suite', 'repository'],
  properties: {
    action: { type: 'string' },
    check_suite: {
      type: 'object',
      required: ['head_sha'],
      properties: {
        head_sha: SHA,
        head_branch: { type: ['string', 'null'], maxLength: 1024 },
        pull_requests: { type: 'array', items: LISTED_PULL },
      },
    },
    repository: REPOSITORY,
    installation: INSTALLATION,
  },
});

export function onCheckSuite(payload: unknown): JobIntent {
  const p = assertPayload<CheckSuitePayload>(validate, payload, 'check_suite');
  if (p.action !== 'requested' && p.action !== 'rerequested')
    return { kind: 'ignore', reason: `action ${p.action}` };
  const s = p.check_suite;
  return {
    kind: 'build',
    job: {
      event: 'check_suite',
      action: p.action,
      installationId: p.installation?.id ?? null,
      ...repositoryFields(p.repository),
      sha: s.head_sha,
      ref: s.head_branch,
      pull: listedPull(s.pull_requests, s.head_sha),
      rerun: p.action === 'rerequested',
    },
  };
}
