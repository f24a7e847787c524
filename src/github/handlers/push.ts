// push: a branch moved; build its new tip. Deletions and tags have nothing new to build.
import type { JobIntent } from '../app-job.js';
import {
  assertPayload,
  INSTALLATION,
  payloadValidator,
  REPOSITORY,
  repositoryFields,
  SHA,
  type RepositoryPayload,
} from './payload-schema.js';

interface PushPayload {
  ref: string;
  after: string;
  deleted?: boolean;
  repository: RepositoryPayload;
  installation?: { id: number };
}

const validate = payloadValidator({
  type: 'object',
  required: ['ref', 'after', 'repository'],
  properties: {
    ref: { type: 'string', minLength: 1, maxLength: 1024 },
    after: SHA,
    deleted: { type: 'boolean' },
    repository: REPOSITORY,
    installation: INSTALLATION,
  },
});

export function onPush(payload: unknown): JobIntent {
  const p = assertPayload<PushPayload>(validate, payload, 'push');
  if (p.deleted || /^0+$/.test(p.after)) return { kind: 'ignore', reason: 'a deleted ref' };
  if (!p.ref.startsWith('refs/heads/')) return { kind: 'ignore', reason: `not a branch: ${p.ref}` };
  return {
    kind: 'build',
    job: {
      event: 'push',
      action: null,
      installationId: p.installation?.id ?? null,
      ...repositoryFields(p.repository),
      sha: p.after,
      ref: p.ref.slice('refs/heads/'.length),
      pull: null,
      rerun: false,
    },
  };
}
