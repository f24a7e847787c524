// The manager's result document, checked against schemas/result.schema.json and against the files
// that actually arrived, then rewritten to name the client's own output directory.
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { ContractorError } from '../../errors.js';
import { loadSchema } from '../../spec/schema.js';
import type { BuiltBy, JobResult } from '../job.js';
import { checkOutputPath } from './output-path.js';
import { writeResultFile } from '../result-file.js';

let validate: ValidateFunction | undefined;

function resultValidator(): ValidateFunction {
  // Formats are checked by the manager that wrote them; their shape is what matters here.
  validate ??= new Ajv({ strict: false, allowUnionTypes: true, validateFormats: false }).compile(
    loadSchema('result.schema.json'),
  );
  return validate;
}

export async function acceptResult(
  doc: Record<string, unknown>,
  jobId: string,
  outDir: string,
  received: Map<string, string>,
  builtBy: BuiltBy,
): Promise<JobResult> {
  const check = resultValidator();
  if (!check(doc))
    throw new ContractorError(
      'PROTOCOL',
      `the manager's result is malformed: ${check.errors?.[0]?.instancePath || 'the document'} ${check.errors?.[0]?.message ?? ''}`,
    );
  const result = doc as unknown as JobResult;
  if (result.id !== jobId)
    throw new ContractorError('PROTOCOL', `the manager answered job ${result.id}, not ${jobId}`);
  for (const a of result.artifacts)
    if (received.get(`artifacts/${a.path}`) !== a.sha256)
      throw new ContractorError(
        'PROTOCOL',
        `the result lists artifact ${a.path} (sha256 ${a.sha256}), which did not arrive as that file`,
      );
  const attestation = result.attestation;
  if (attestation !== null && !received.has(attestation))
    throw new ContractorError(
      'PROTOCOL',
      `the result names attestation ${attestation}, which did not arrive`,
    );
  const local: JobResult = {
    ...result,
    outDir,
    log: join(outDir, 'log.txt'),
    attestation: attestation === null ? null : join(outDir, ...checkOutputPath(attestation)),
    // The client's name for the manager, whatever the manager said about itself.
    manager: builtBy,
  };
  await writeResultFile(local);
  return local;
}
