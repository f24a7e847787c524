// pull_request: a head to build against its base, whose spec (not the head's) sets the ceilings.
import type { JobIntent } from '../app-job.js';
import {
  assertPayload,
  INSTALLATION,
  payloadValidator,
  REPO_ID,
  REPOSITORY,
  repositoryFields,
  SHA,
  type RepositoryPayload,
} from './payload-schema.js';

const BUILD_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: {
    head: { sha: string; repo: { id: number } | null };
    base: { ref: string; sha: string; repo: { id: number } };
  };
  repository: RepositoryPayload;
  installation?: { id: number };
}

const validate = payloadValidator({
  type: 'object',
  required: ['action', 'number', 'pull_request', 'repository'],
  properties: {
    action: { type: 'string' },
    number: { type: 'integer', minimum: 1 },
    pull_request: {
      type: 'object',
      required: ['head', 'base'],
      properties: {
        head: {
          type: 'object',
          required: ['sha', 'repo'],
          // A fork that was deleted leaves head.repo null; refs/pull/N/head still holds the commits.
          properties: {
            sha: SHA,
            repo: {
              type: ['object', 'null'],
              required: ['id'],
              properties: { id: { type: 'integer' } },
            },
          },
        },
        base: {
          type: 'object',
          required: ['ref', 'sha', 'repo'],
          properties: {
            ref: { type: 'string', minLength: 1, maxLength: 1024 },
            sha: SHA,
            repo: REPO_ID,
          },
        },
      },
    },
    repository: REPOSITORY,
    installation: INSTALLATION,
  },
});

export function onPullRequest(payload: unknown): JobIntent {
  const p = assertPayload<PullRequestPayload>(validate, payload, 'pull_request');
  if (!BUILD_ACTIONS.has(p.action)) return { kind: 'ignore', reason: `action ${p.action}` };
  const { head, base } = p.pull_request;
  return {
    kind: 'build',
    job: {
      event: 'pull_request',
      action: p.action,
      installationId: p.installation?.id ?? null,
      ...repositoryFields(p.repository),
      sha: head.sha,
      ref: null,
      pull: {
        number: p.number,
        baseRef: base.ref,
        baseSha: base.sha,
        fork: head.repo?.id !== base.repo.id,
      },
      rerun: false,
    },
  };
}
