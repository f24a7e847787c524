// The floor beneath every layer: error classes that carry a code the CLI maps to an exit status.

export type ErrorCode =
  | 'USAGE'
  | 'SPEC_SYNTAX'
  | 'SPEC_INVALID'
  | 'POLICY'
  | 'GIT'
  | 'CONFINEMENT'
  | 'INFRASTRUCTURE'
  | 'PROTOCOL'
  | 'VERIFY';

export class ContractorError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractorError';
    this.code = code;
  }
}

/** One problem in an input file, located to a line and column so an editor can jump to it. */
export interface SourceProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export class SpecError extends ContractorError {
  readonly problems: SourceProblem[];

  constructor(code: 'SPEC_SYNTAX' | 'SPEC_INVALID', problems: SourceProblem[]) {
    super(code, problems.map(formatProblem).join('\n'));
    this.name = 'SpecError';
    this.problems = problems;
  }
}

export function formatProblem(p: SourceProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}
