// The one place errors are mapped to the documented exit codes.
import { ContractorError } from '../errors.js';
import { EXIT } from '../manager/exit-status.js';

export { EXIT };

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
    case 'PROTOCOL':
      return EXIT.infrastructure;
  }
}
