// check_run rerequested: GitHub resets the suite but not the run, so a re-run is a new check run on the same sha.
import type { JobIntent } from '../app-job.js';
import { CHECK_RUN_NAME } from '../check-run-name.js';
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

interface CheckRunPayload {
  action: string;
  check_run: {
    name: string;
    head_sha: string;
    check_suite?: { head_branch?: string | null };
    pull_requests?: ListedPull[];
  };
  repository: RepositoryPayload;
  installation?: { id: number };
}

const validate = payloadValidator({
  type: 'object',
  required: ['action', 'check_run', 'repository'],
  properties: {
    action: { type: 'string' },
    check_run: {
      type: 'object',
      required: ['name', 'head_sha'],
      properties: {
        name: { type: 'string' },
        head_sha: SHA,
        check_suite: {
          type: 'object',
          properties: { head_branch: { type: ['string', 'null'], maxLength: 1024 } },
        },
        pull_requests: { type: 'array', items: LISTED_PULL },
      },
    },
    repository: REPOSITORY,
    installation: INSTALLATION,
  },
});

export function onCheckRun(payload: unknown): JobIntent {
  const p = assertPayload<CheckRunPayload>(validate, payload, 'check_run');
  if (p.action !== 'rerequested') return { kind: 'ignore', reason: `action ${p.action}` };
  const r = p.check_run;
  if (r.name !== CHECK_RUN_NAME)
    return { kind: 'ignore', reason: `check run ${r.name} is not ours` };
  return {
    kind: 'build',
    job: {
      event: 'check_run',
      action: p.action,
      installationId: p.installation?.id ?? null,
      ...repositoryFields(p.repository),
      sha: r.head_sha,
      ref: r.check_suite?.head_branch ?? null,
      pull: listedPull(r.pull_requests, r.head_sha),
      rerun: true,
    },
  };
}
