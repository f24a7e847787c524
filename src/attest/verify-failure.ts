// The ways an attestation fails verification, each named so a user knows which check said no.
import { ContractorError } from '../errors.js';

export type VerifyCheck =
  | 'envelope malformed'
  | 'wrong payload type'
  | 'signature invalid'
  | 'artifact digest not among subjects'
  | 'builder mismatch'
  | 'repository mismatch'
  | 'ref mismatch'
  | 'commit mismatch'
  | 'tree mismatch';

export function verifyFailure(
  check: VerifyCheck,
  detail: string,
  cause?: unknown,
): ContractorError {
  return new ContractorError('VERIFY', `${check}: ${detail}`, cause === undefined ? {} : { cause });
}
