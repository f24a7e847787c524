// Where a repository keeps its spec: the one name every reader of a commit's spec looks for.
import { SpecError } from '../errors.js';

export const SPEC_FILE = '.contractor.yaml';

/** A spec is a page of YAML; anything bigger is an attack on the parser, not a build recipe. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** The refusal of a spec over MAX_SPEC_BYTES, named where it was found. */
export function specTooLarge(file: string, bytes: number): SpecError {
  return new SpecError('SPEC_INVALID', [
    { file, line: 1, col: 1, message: `spec is ${bytes} bytes; the limit is 1 MiB` },
  ]);
}
