// What a verifier may require of a signed statement beyond the artifact's digest, as slsa-verifier's
// flags do: the repository, the ref, the commit and the builder it names, and the git tree the
// builder itself had (a manager's from the archive it received, never the client's claim).
import type { Statement } from './statement.js';
import { verifyFailure, type VerifyCheck } from './verify-failure.js';

export interface ExpectedProvenance {
  repository?: string;
  ref?: string;
  commit?: string;
  tree?: string;
  builder?: string;
}

interface Claims {
  repository?: unknown;
  ref?: unknown;
  commit?: unknown;
  tree?: unknown;
  builder?: unknown;
}

/** Throws naming the first field the statement does not have as asked, with both values. */
export function checkProvenance(statement: Statement, expected: ExpectedProvenance): void {
  const claims = claimsOf(statement.predicate);
  check('builder mismatch', 'builder', claims.builder, expected.builder, (a, b) => a === b);
  check('repository mismatch', 'repository', claims.repository, expected.repository, sameRepo);
  check('ref mismatch', 'ref', claims.ref, expected.ref, sameRef);
  check('commit mismatch', 'commit', claims.commit, expected.commit, sameCommit);
  check('tree mismatch', 'gitTree', claims.tree, expected.tree, sameCommit);
}

function check(
  name: VerifyCheck,
  field: string,
  signed: unknown,
  expected: string | undefined,
  same: (signed: string, expected: string) => boolean,
): void {
  if (expected === undefined) return;
  if (typeof signed === 'string' && same(signed, expected)) return;
  const has =
    typeof signed === 'string' ? `${field} ${JSON.stringify(signed.slice(0, 300))}` : `no ${field}`;
  throw verifyFailure(
    name,
    `the attestation names ${has}, and ${JSON.stringify(expected)} was required`,
  );
}

// The statement is signed but may be of another shape: every field is read as unknown.
function claimsOf(predicate: unknown): Claims {
  const p = predicate as {
    buildDefinition?: {
      externalParameters?: Record<string, unknown>;
      resolvedDependencies?: { digest?: Record<string, unknown> }[];
    };
    runDetails?: { builder?: { id?: unknown } };
  } | null;
  const external = p?.buildDefinition?.externalParameters ?? {};
  return {
    repository: external.repository,
    ref: external.ref,
    commit: external.commit,
    // The source is the first dependency; its gitTree is what the builder computed or read.
    tree: p?.buildDefinition?.resolvedDependencies?.[0]?.digest?.gitTree,
    builder: p?.runDetails?.builder?.id,
  };
}

// `git+https://h/o/r.git` and `https://h/o/r` name one repository; nothing looser than that.
function sameRepo(signed: string, expected: string): boolean {
  const plain = (url: string): string =>
    url
      .replace(/^git\+/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
  return plain(signed) === plain(expected);
}

// A short branch or tag name matches its full ref, as slsa-verifier's --source-branch and --source-tag do.
function sameRef(signed: string, expected: string): boolean {
  return (
    signed === expected || signed === `refs/heads/${expected}` || signed === `refs/tags/${expected}`
  );
}

// The full id (of a commit or tree): a prefix would let a colliding short id pass.
function sameCommit(signed: string, expected: string): boolean {
  return signed.toLowerCase() === expected.toLowerCase();
}
