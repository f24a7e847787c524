// The spec's JSON Schema lives in schemas/ as a file editors can use; validators.ts compiles it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SCHEMA_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

export function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(SCHEMA_DIR + name, 'utf8')) as Record<string, unknown>;
}
