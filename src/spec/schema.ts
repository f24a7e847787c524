// The spec's JSON Schema lives in schemas/ as a file editors can use; this compiles it once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

export const SCHEMA_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

let compiled: ValidateFunction | undefined;

export function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(SCHEMA_DIR + name, 'utf8')) as Record<string, unknown>;
}

export function specValidator(): ValidateFunction {
  compiled ??= new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
  }).compile(loadSchema('spec.schema.json'));
  return compiled;
}
