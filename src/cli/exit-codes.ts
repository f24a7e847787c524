// The exit codes every command shares, and the one place errors are mapped to them.
import { ContractorError } from '../errors.js';

export const EXIT = {
  passed: 0,
  failed: 1,
  usage: 2,
  violation: 3,
  limit: 4,
  infrastructure: 5,
} as const;

export function exitCodeForError(err: unknown): number {
  if (!(err instanceof ContractorError)) return EXIT.infrastructure;
  switch (err.code) {
    case 'USAGE':
    case 'SPEC_SYNTAX':
    case 'SPEC_INVALID':
    case 'POLICY':
      return EXIT.usage;
    case 'VERIFY':
      return EXIT.failed;
    case 'GIT':
    case 'CONFINEMENT':
    case 'INFRASTRUCTURE':
      return EXIT.infrastructure;
  }
}

export type RunStatus = 'passed' | 'failed' | 'violation' | 'limit' | 'error';

export function exitCodeForStatus(status: RunStatus): number {
  switch (status) {
    case 'passed':
      return EXIT.passed;
    case 'failed':
      return EXIT.failed;
    case 'violation':
      return EXIT.violation;
    case 'limit':
      return EXIT.limit;
    case 'error':
      return EXIT.infrastructure;
  }
}
