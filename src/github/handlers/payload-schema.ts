// The parts of a webhook payload the App reads, as JSON Schema: everything else is ignored, nothing is trusted unchecked.
import { Ajv, type ValidateFunction } from 'ajv';
import { ContractorError } from '../../errors.js';

export const SHA = { type: 'string', pattern: '^[0-9a-f]{40}$' } as const;
const OWNER = { type: 'string', pattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$' } as const;
const REPO_NAME = { type: 'string', pattern: '^(?!\\.\\.?$)[A-Za-z0-9._-]{1,100}$' } as const;
const REF = { type: 'string', minLength: 1, maxLength: 1024 } as const;
export const REPO_ID = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer' } },
} as const;

export const REPOSITORY = {
  type: 'object',
  required: ['id', 'name', 'owner', 'default_branch'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    name: REPO_NAME,
    owner: { type: 'object', required: ['login'], properties: { login: OWNER } },
    default_branch: REF,
    private: { type: 'boolean' },
  },
} as const;

export const INSTALLATION = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const;

/** A pull request as listed inside check_suite and check_run payloads. */
export const LISTED_PULL = {
  type: 'object',
  required: ['number', 'head', 'base'],
  properties: {
    number: { type: 'integer', minimum: 1 },
    head: { type: 'object', required: ['sha', 'repo'], properties: { sha: SHA, repo: REPO_ID } },
    base: {
      type: 'object',
      required: ['ref', 'sha', 'repo'],
      properties: { ref: REF, sha: SHA, repo: REPO_ID },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

export function payloadValidator(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

/** Raises a typed error naming the first field that does not match: the server answers 400 with it. */
export function assertPayload<T>(validate: ValidateFunction, payload: unknown, event: string): T {
  if (validate(payload)) return payload as T;
  const e = validate.errors?.[0];
  throw new ContractorError(
    'PROTOCOL',
    `${event} payload: ${e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` : 'is invalid'}`,
  );
}

export interface RepositoryPayload {
  id: number;
  name: string;
  owner: { login: string };
  default_branch: string;
  private?: boolean;
}

export interface ListedPull {
  number: number;
  head: { sha: string; repo: { id: number } };
  base: { ref: string; sha: string; repo: { id: number } };
}

export function repositoryFields(r: RepositoryPayload): {
  owner: string;
  repo: string;
  repoId: number;
  defaultBranch: string;
  private: boolean;
} {
  return {
    owner: r.owner.login,
    repo: r.name,
    repoId: r.id,
    defaultBranch: r.default_branch,
    // PrivateReports: a payload that does not say is taken as private, so its pages need sign-in.
    private: r.private !== false,
  };
}

export function listedPull(prs: ListedPull[] | undefined, sha: string) {
  const pr = prs?.find((p) => p.head.sha === sha) ?? prs?.[0];
  if (!pr) return null;
  return {
    number: pr.number,
    baseRef: pr.base.ref,
    baseSha: pr.base.sha,
    fork: pr.head.repo.id !== pr.base.repo.id,
  };
}
