// The in-toto Statement v1: which artifacts (subjects, by digest) a predicate speaks about.
import { verifyFailure } from './verify-failure.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

export interface Subject {
  name: string;
  digest: { sha256: string } & Record<string, string>;
}

export interface Statement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

/** Parses a verified payload; a signed payload can still be nonsense from a buggy or hostile signer. */
export function parseStatement(payload: Buffer): Statement {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    throw verifyFailure('envelope malformed', 'the payload is not JSON', cause);
  }
  const s = value as Partial<Statement> | null;
  if (typeof s !== 'object' || s === null || s._type !== STATEMENT_TYPE)
    throw verifyFailure(
      'envelope malformed',
      `the payload is not an in-toto Statement (${STATEMENT_TYPE})`,
    );
  if (!Array.isArray(s.subject) || !s.subject.every(isSubject))
    throw verifyFailure('envelope malformed', 'the statement has no valid subject list');
  if (typeof s.predicateType !== 'string')
    throw verifyFailure('envelope malformed', 'the statement has no predicateType');
  return s as Statement;
}

function isSubject(value: unknown): value is Subject {
  const s = value as Partial<Subject> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.name === 'string' &&
    typeof s.digest === 'object' &&
    s.digest !== null &&
    Object.values(s.digest).every((d) => typeof d === 'string')
  );
}
