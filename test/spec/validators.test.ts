// The build-time validators (dist/validators/) are used, and judge exactly as a fresh compile does.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Ajv } from 'ajv';
import { test } from 'uvu';
import { loadSchema } from '../../src/spec/schema.js';
import {
  validator,
  validatorKey,
  VALIDATOR_DIR,
  VALIDATORS,
  type ValidatorName,
} from '../../src/spec/validators.js';

const DOCS: Record<ValidatorName, unknown[]> = {
  spec: [
    { build: 'make' },
    { build: 'make', limits: { memroy: '2GiB' } },
    { build: 42 },
    {
      setup: 'x',
      build: 'y',
      network: { allow: ['a.example', '*.b.example:443'] },
      env: { A: 'b' },
    },
    { build: 'make', driver: 'chroot' },
    {},
  ],
  policy: [
    { network: { allow: ['*.pkg.example'], build: false }, limits: { wall: '20m' } },
    { network: { allow: 'not-a-list' } },
    { limits: { memory: 'lots' } },
    { surprise: true },
  ],
};

function freshCompile(name: ValidatorName) {
  const v = VALIDATORS[name];
  const ajv = new Ajv(v.options);
  for (const ref of v.refs) ajv.addSchema(loadSchema(ref));
  return ajv.compile(loadSchema(v.main));
}

for (const name of Object.keys(VALIDATORS) as ValidatorName[]) {
  test(`${name}: the build wrote its precompiled validator`, () => {
    assert.ok(
      existsSync(`${VALIDATOR_DIR}${validatorKey(name)}.cjs`),
      'run npm run build (scripts/compile-validators.mjs)',
    );
  });

  test(`${name}: precompiled and freshly compiled agree, errors included`, () => {
    const fresh = freshCompile(name);
    const built = validator(name);
    assert.notEqual(built, fresh);
    for (const doc of DOCS[name]) {
      assert.equal(built(doc), fresh(doc), JSON.stringify(doc));
      const strip = (e: typeof fresh.errors) =>
        (e ?? []).map((x) => ({ path: x.instancePath, keyword: x.keyword, params: x.params }));
      assert.deepEqual(strip(built.errors), strip(fresh.errors), JSON.stringify(doc));
    }
  });
}

test('a changed schema or option gives a different key, so a stale file is never loaded', () => {
  const key = validatorKey('spec');
  const saved = VALIDATORS.spec.options;
  VALIDATORS.spec.options = { ...saved, allErrors: false };
  try {
    assert.notEqual(validatorKey('spec'), key);
  } finally {
    VALIDATORS.spec.options = saved;
  }
});

test.run();
