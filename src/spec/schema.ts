// The spec's JSON Schema lives in schemas/ as a file editors can use; validators.ts compiles it.
import { readFileSync } from 'node:fs';
import { installPath } from '../install-root.js';

export const SCHEMA_DIR = installPath('schemas') + '/';

export function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(SCHEMA_DIR + name, 'utf8')) as Record<string, unknown>;
}
