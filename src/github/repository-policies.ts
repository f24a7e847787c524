// The operator's word on each repository's ceilings: a YAML file mapping owner/repo (and its id) to a policy, validated.
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { ContractorError, SpecError } from '../errors.js';
import { policyFromData, type Policy } from '../spec/policy.js';
import { schemaProblems } from '../spec/problems.js';
import { loadSchema } from '../spec/schema.js';

export interface RepositoryPolicy {
  /** GitHub's numeric id: a name freed and registered again by someone else has another id. */
  id: number;
  policy: Policy;
}

export interface RepositoryPolicies {
  file: string | null;
  default: Policy | null;
  /** Keyed by lower-case owner/repo: GitHub names are case-insensitive. */
  repositories: Map<string, RepositoryPolicy>;
  /** Lower-case logins whose installations are built; empty: every installation. */
  owners: string[];
}

export const NO_REPOSITORY_POLICIES: RepositoryPolicies = {
  file: null,
  default: null,
  repositories: new Map(),
  owners: [],
};

/** Entries without an id would match whoever registers the name next: refuse to start, naming them. */
function requireIds(file: string, repos: Record<string, Record<string, unknown>>): void {
  const missing = Object.keys(repos).filter((name) => typeof repos[name]?.id !== 'number');
  if (missing.length)
    throw new ContractorError(
      'USAGE',
      `${file}: repositories ${missing.join(', ')} have no id; add \`id: N\` to each (the number GitHub's ` +
        `GET /repos/OWNER/REPO answers as "id"), so that a renamed or re-registered name inherits nothing`,
    );
}

export function parseRepositoryPolicies(text: string, file: string): RepositoryPolicies {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length)
    throw new SpecError(
      'SPEC_SYNTAX',
      doc.errors.map((e) => ({
        file,
        ...lines.linePos(e.pos[0]),
        message: e.message.split('\n')[0] ?? '',
      })),
    );
  const data = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(loadSchema('spec.schema.json'));
  ajv.addSchema(loadSchema('policy.schema.json'));
  const validate = ajv.compile(loadSchema('app-repositories.schema.json'));
  if (!validate(data))
    throw new SpecError('SPEC_INVALID', schemaProblems(file, doc, lines, validate.errors ?? []));
  const repos = (data.repositories ?? {}) as Record<string, Record<string, unknown>>;
  requireIds(file, repos);
  return {
    file,
    default: data.default ? policyFromData(data.default as Record<string, unknown>) : null,
    repositories: new Map(
      Object.entries(repos).map(([name, { id, ...p }]) => [
        name.toLowerCase(),
        { id: id as number, policy: policyFromData(p) },
      ]),
    ),
    owners: ((data.owners ?? []) as string[]).map((o) => o.toLowerCase()),
  };
}

export async function readRepositoryPolicies(file: string): Promise<RepositoryPolicies> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ContractorError(
      'USAGE',
      `cannot read the repositories config ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return parseRepositoryPolicies(text, file);
}
