// What a new user meets on the first day, as they meet it: real repositories, the real CLI and worker.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { test } from 'uvu';
import { loadSchema } from '../../src/spec/schema.js';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats.default(ajv);
const validateResult = ajv.compile(loadSchema('result.schema.json'));

let home: ReturnType<typeof tempDir>;
const repos = specRepos();

test.before(() => {
  home = tempDir('contractor-home-');
});

test.after(() => {
  home.remove();
  repos.removeAll();
});

const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  contractor(cwd, args, { CONTRACTOR_HOME: home.path, ...env });

test('--out on a cached result still gets the result, log and artifacts; --json says cached', async () => {
  const repo = repos.make(
    'build: |\n  echo built-once\n  echo bytes > made.txt\nartifacts: [made.txt]\n',
  );
  const first = await run(repo.path, ['run']);
  assert.equal(first.exitCode, 0, first.stderr);
  const out = tempDir('contractor-out-');
  try {
    const r = await run(repo.path, ['run', '--json', '--out', out.path]);
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, any>;
    assert.ok(validateResult(doc), JSON.stringify(validateResult.errors));
    assert.equal(doc.cached, true);
    assert.equal(doc.outDir, out.path);
    assert.equal(doc.log, join(out.path, 'log.txt'));
    assert.match(readFileSync(join(out.path, 'log.txt'), 'utf8'), /built-once/);
    const made = readFileSync(join(out.path, 'artifacts', 'made.txt'));
    assert.equal(createHash('sha256').update(made).digest('hex'), doc.artifacts[0].sha256);
    const written = JSON.parse(readFileSync(join(out.path, 'result.json'), 'utf8'));
    assert.equal(written.id, doc.id);
    assert.equal(written.cached, true);
  } finally {
    out.remove();
  }
});

test.run();
