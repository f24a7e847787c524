// `contractor verify`: an artifact, its attestation and a public key, checked offline with nothing else trusted.
import { ContractorError } from '../errors.js';
import { readAttestation } from './attestation-file.js';
import { sha256File } from './file-digest.js';
import type { Statement, Subject } from './statement.js';
import { verifyEnvelope } from './verify-envelope.js';
import { verifyFailure } from './verify-failure.js';
import { checkProvenance, type ExpectedProvenance } from './verify-provenance.js';

export interface VerifyArtifactInput {
  artifactPath: string;
  /** attestation.intoto.jsonl or attestation.sigstore.json. */
  attestationPath: string;
  publicKeyPem: string;
  /** What the statement must also name (--repo, --ref, --commit, --builder). */
  expected?: ExpectedProvenance;
}

export interface VerifiedArtifact {
  sha256: string;
  /** The subject that names the artifact's digest. */
  subject: Subject;
  statement: Statement;
}

export async function verifyArtifact(input: VerifyArtifactInput): Promise<VerifiedArtifact> {
  const sha256 = await readable(input.artifactPath, 'artifact', sha256File(input.artifactPath));
  const statement = await verifiedStatement(input);
  const subject = statement.subject.find((s) => s.digest.sha256?.toLowerCase() === sha256);
  if (!subject)
    throw verifyFailure(
      'artifact digest not among subjects',
      `${input.artifactPath} has sha256:${sha256}, which ${input.attestationPath} does not name; its subjects are ${describe(statement.subject)}`,
    );
  return { sha256, subject, statement };
}

async function verifiedStatement(input: VerifyArtifactInput): Promise<Statement> {
  try {
    const path = input.attestationPath;
    const envelope = await readable(path, 'attestation', readAttestation(path));
    const statement = verifyEnvelope(envelope, input.publicKeyPem);
    checkProvenance(statement, input.expected ?? {});
    return statement;
  } catch (cause) {
    if (cause instanceof ContractorError && cause.code === 'VERIFY')
      throw new ContractorError('VERIFY', `${input.attestationPath}: ${cause.message}`, { cause });
    throw cause;
  }
}

// A missing file is the user's mistake, not a failed check: said as such, with the path.
async function readable<T>(path: string, what: string, reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (cause) {
    if (cause instanceof ContractorError) throw cause;
    const why = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new ContractorError('USAGE', `cannot read the ${what} ${path} (${why})`, { cause });
  }
}

// Subject names come from a signed but possibly careless statement: quoted and capped.
function describe(subjects: Subject[]): string {
  if (subjects.length === 0) return '(none)';
  const shown = subjects
    .slice(0, 20)
    .map((s) => `${JSON.stringify(s.name.slice(0, 200))} (sha256:${String(s.digest.sha256)})`);
  const more = subjects.length > 20 ? `, and ${subjects.length - 20} more` : '';
  return shown.join(', ') + more;
}
