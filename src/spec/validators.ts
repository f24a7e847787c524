// Schema validators compiled once at build time (ajv standalone code in dist/validators/), so a
// pre-push hook does not spend ~80 ms generating the same code on every run. A validator is
// looked up by a digest of its schemas and options: a stale file can never be used.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { installPath } from '../install-root.js';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import { loadSchema } from './schema.js';

// ajv itself (~20 ms to load) is needed only to compile, which the build has already done.
const require = createRequire(import.meta.url);

const STRICT: Options = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true };

/** The validators on hot paths: every run reads a spec, and most a policy. */
export const VALIDATORS = {
  spec: { main: 'spec.schema.json', refs: [] as string[], options: STRICT },
  policy: { main: 'policy.schema.json', refs: ['spec.schema.json'], options: STRICT },
};

export type ValidatorName = keyof typeof VALIDATORS;

export const VALIDATOR_DIR = installPath('dist', 'validators') + '/';

const compiled = new Map<ValidatorName, ValidateFunction>();

export function validatorKey(name: ValidatorName): string {
  const v = VALIDATORS[name];
  const hash = createHash('sha256').update(JSON.stringify(v.options));
  for (const file of [v.main, ...v.refs]) hash.update(JSON.stringify(loadSchema(file)));
  return `${name}-${hash.digest('hex').slice(0, 16)}`;
}

function compile(name: ValidatorName, source: boolean): { ajv: Ajv; validate: ValidateFunction } {
  const v = VALIDATORS[name];
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const ajv: Ajv = new AjvClass({ ...v.options, code: { source } });
  for (const ref of v.refs) ajv.addSchema(loadSchema(ref));
  return { ajv, validate: ajv.compile(loadSchema(v.main)) };
}

export function validator(name: ValidatorName): ValidateFunction {
  let validate = compiled.get(name);
  if (validate) return validate;
  const file = `${VALIDATOR_DIR}${validatorKey(name)}.cjs`;
  validate = existsSync(file) ? (require(file) as ValidateFunction) : compile(name, false).validate;
  compiled.set(name, validate);
  return validate;
}

/** CommonJS source of one validator, for scripts/compile-validators.mjs. */
export function standaloneSource(name: ValidatorName): string {
  const { ajv, validate } = compile(name, true);
  const standaloneCode =
    require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
  return standaloneCode.default(ajv, validate);
}
