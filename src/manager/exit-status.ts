// The documented exit codes, and the one for each run status (the result document carries it too).
import type { RunStatus } from './job.js';

export const EXIT = {
  passed: 0,
  failed: 1,
  usage: 2,
  violation: 3,
  limit: 4,
  infrastructure: 5,
} as const;

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
