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

test('--out naming the directory the cached run was built into leaves its files whole', async () => {
  const repo = repos.make('build: echo built-into-out\n');
  const out = tempDir('contractor-out-');
  try {
    assert.equal((await run(repo.path, ['run', '--out', out.path])).exitCode, 0);
    const again = await run(repo.path, ['run', '--json', '--out', out.path]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { cached?: boolean }).cached, true);
    assert.match(readFileSync(join(out.path, 'log.txt'), 'utf8'), /built-into-out/);
  } finally {
    out.remove();
  }
});

test('TERM=dumb gets no escape codes, and a pass says passed once', async () => {
  const repo = repos.make("build: printf '\\033[31mred\\033[0m\\n'\n");
  const r = await run(repo.path, ['run'], { TERM: 'dumb' });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^red$/m);
  assert.doesNotMatch(r.stdout + r.stderr, /\x1b/);
  assert.match(r.stdout, /passed [0-9a-f]{12} \(namespace, [^)]*\)$/m);
  assert.doesNotMatch(r.stdout, /passed: passed/);
});

test('contractor build leaves nothing in the source directory, so git status and the next snapshot stay clean', async () => {
  const repo = repos.make('build: echo built > out.txt\nartifacts: [out.txt]\n');
  repo.write('spec.yaml', 'build: echo built > out.txt\nartifacts: [out.txt]\n');
  repo.commitAll('a spec for contractor build');
  const r = await run(repo.path, ['build', 'spec.yaml']);
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.equal(repo.git('status', '--porcelain', '--untracked-files=all'), '');
  assert.equal(existsSync(join(repo.path, '.contractor')), false);
  assert.match(r.stdout, new RegExp(`log: ${home.path}/builds/`));
});

test('a revision git does not know, or a directory outside any repository, is a usage error (exit 2)', async () => {
  const repo = repos.make('build: "true"\n');
  const bad = await run(repo.path, ['run', 'no-such-branch']);
  assert.equal(bad.exitCode, 2, bad.stderr);
  assert.match(bad.stderr, /cannot resolve no-such-branch to a commit/);
  const outside = tempDir('contractor-not-a-repo-');
  try {
    const r = await run(outside.path, ['run']);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /is not inside a git repository/);
  } finally {
    outside.remove();
  }
});

test('git contractor show prints a summary (JSON with --json); log shows dates and branches', async () => {
  const repo = repos.make('build: echo hi\n');
  const built = await run(repo.path, ['run']);
  assert.equal(built.exitCode, 0, built.stderr);
  const commit = repo.git('rev-parse', 'HEAD');
  const show = await run(repo.path, ['show']);
  assert.equal(show.exitCode, 0, show.stderr);
  assert.match(
    show.stdout,
    new RegExp(
      `^passed ${commit.slice(0, 12)} \\(namespace, .*\\) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`,
      'm',
    ),
  );
  assert.match(show.stdout, /^ {2}phases: build /m);
  assert.doesNotMatch(show.stdout, /^\{/);
  const json = await run(repo.path, ['show', '--json']);
  const doc = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(doc.commit, commit);
  assert.equal(doc.status, 'passed');
  const log = await run(repo.path, ['log']);
  assert.match(log.stdout, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.match(log.stdout, /\(main\) spec/);
});

test('a run of HEAD with uncommitted changes says they are not included and names --worktree', async () => {
  const repo = repos.make('build: "true"\n');
  const clean = await run(repo.path, ['run']);
  assert.doesNotMatch(clean.stdout + clean.stderr, /uncommitted/);
  repo.write('edited.txt', 'not committed\n');
  const r = await run(repo.path, ['run']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /uncommitted changes are not included.*--worktree/);
  const json = await run(repo.path, ['run', '--json']);
  JSON.parse(json.stdout);
  assert.match(json.stderr, /uncommitted changes are not included/);
});

test('stdout and stderr keep their order in the log', async () => {
  const repo = repos.make(
    'build: |\n  for i in 1 2 3 4 5 6 7 8; do echo "out $i"; echo "err $i" >&2; done\n',
  );
  const out = tempDir('contractor-out-');
  try {
    const r = await run(repo.path, ['run', '--out', out.path]);
    assert.equal(r.exitCode, 0, r.stderr);
    const want = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `out ${i}\nerr ${i}\n`).join('');
    assert.equal(readFileSync(join(out.path, 'log.txt'), 'utf8'), want);
  } finally {
    out.remove();
  }
});

test.run();
