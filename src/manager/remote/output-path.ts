// Where a manager may write in the client's output directory: log.txt, artifacts/… and
// attestation/…, as plain relative paths. Anything else is a hostile manager.
import { ContractorError } from '../../errors.js';

const TOP = ['artifacts', 'attestation'];

export function checkOutputPath(path: string): string[] {
  const parts = path.split('/');
  const bad =
    path.length > 4096 ||
    /[\\\0]/.test(path) ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    !(path === 'log.txt' || (parts.length > 1 && TOP.includes(parts[0] as string)));
  if (bad)
    throw new ContractorError(
      'PROTOCOL',
      `the manager sent a file named ${JSON.stringify(path.slice(0, 200))}, outside log.txt, artifacts/ and attestation/`,
    );
  return parts;
}
