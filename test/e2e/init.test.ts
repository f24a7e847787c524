// `contractor init` as a newcomer runs it: a real repository, the user's npm registry on loopback,
// and the spec it writes built by the real namespace driver once the printed policy line is added.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { parseSpec } from '../../src/spec/parse.js';
import { projectKind, starterSpec, type ProjectFiles } from '../../src/spec/starter-spec.js';
import { contractor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const LOCK = JSON.stringify({
  name: 'greeter',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'greeter', version: '1.0.0' } },
});
const PACKAGE = JSON.stringify({
  name: 'greeter',
  version: '1.0.0',
  scripts: { test: 'node test.js' },
});

let home: ReturnType<typeof tempDir>;
let registry: Server;
let registryUrl = '';
const asked: string[] = [];

test.before(async () => {
  home = tempDir('contractor-home-');
  // The user's registry (a mirror, say): the package has no dependencies, so nothing is fetched,
  // but every request that reaches it is kept.
  registry = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as { port: number }).port}/`;
});

test.after(() => {
  home.remove();
  registry.close();
});

const files = (names: string[], more: Partial<ProjectFiles> = {}): ProjectFiles => ({
  names: new Set(names),
  ...more,
});

test('each kind of project is told by its marker files, package.json first', () => {
  assert.equal(projectKind(files(['package.json', 'package-lock.json', 'Makefile'])), 'npm');
  assert.equal(projectKind(files(['package.json', 'yarn.lock'])), 'yarn');
  assert.equal(projectKind(files(['package.json', 'pnpm-lock.yaml'])), 'pnpm');
  assert.equal(projectKind(files(['Cargo.toml', 'Cargo.lock'])), 'cargo');
  assert.equal(projectKind(files(['pyproject.toml'])), 'python');
  assert.equal(projectKind(files(['go.mod'])), 'go');
  assert.equal(projectKind(files(['CMakeLists.txt', 'Makefile'])), 'cmake');
  assert.equal(projectKind(files(['Makefile'])), 'make');
  assert.equal(projectKind(files(['README.md'])), undefined);
});

test('every starter spec is a valid spec, with the registry host in its allowlist', () => {
  const cases: [ProjectFiles, string][] = [
    [files(['package.json', 'package-lock.json'], { npmScripts: { test: 'x' } }), 'npm ci'],
    [files(['package.json'], { npmScripts: {} }), 'npm install'],
    [files(['package.json', 'yarn.lock'], { npmScripts: { test: 'x' } }), 'yarn install'],
    [files(['package.json', 'pnpm-lock.yaml']), 'pnpm install'],
    [files(['Cargo.toml', 'Cargo.lock']), 'cargo fetch --locked'],
    [files(['pyproject.toml']), 'pip install'],
    [files(['go.mod']), 'go mod download'],
    [files(['CMakeLists.txt']), 'ctest'],
    [files(['Makefile'], { makefile: 'all:\n\tcc x.c\ncheck: all\n\t./a.out\n' }), 'make check'],
  ];
  for (const [f, expect] of cases) {
    const kind = projectKind(f);
    assert.ok(kind);
    const s = starterSpec(kind, f, { host: 'mirror.test:8443', env: { X_REGISTRY: 'u' } });
    assert.ok(s.yaml.includes(expect), `${kind}: ${s.yaml}`);
    const spec = parseSpec(s.yaml, `${kind}.yaml`);
    assert.deepEqual(spec.allow, s.registry ? ['mirror.test:8443'] : [], kind);
  }
});

test('a Node project with a lockfile passes with the spec init wrote, once the printed policy line is added', async () => {
  const repo = makeRepo({
    'package.json': PACKAGE,
    'package-lock.json': LOCK,
    'test.js': "console.log('greeter works');\n",
  });
  repo.commitAll('a node project');
  const env = { CONTRACTOR_HOME: home.path, npm_config_registry: registryUrl };
  const init = await contractor(repo.path, ['init'], env);
  assert.equal(init.exitCode, 0, init.stderr);
  const host = new URL(registryUrl).host;
  const line = `network: {allow: ["${host}"]}`;
  assert.match(init.stdout, new RegExp(`^  ${line.replace(/[[\]{}.]/g, '\\$&')}$`, 'm'));
  const spec = readFileSync(join(repo.path, '.contractor.yaml'), 'utf8');
  assert.match(spec, /setup: npm ci/);
  assert.match(spec, /build: npm test/);
  repo.commitAll('contractor init');

  // Without the line the spec asks for more than the policy allows, and is refused by name.
  const refused = await contractor(repo.path, ['run'], env);
  assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(host.replace(/\./g, '\\.')));

  writeFileSync(join(home.path, 'policy.yaml'), `${line}\n`);
  const run = await contractor(repo.path, ['run', '--json'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  const result = JSON.parse(run.stdout) as { status: string; violations: unknown[]; log: string };
  assert.equal(result.status, 'passed');
  assert.deepEqual(result.violations, []);
  assert.match(readFileSync(result.log, 'utf8'), /greeter works/);
  repo.remove();
});

test('init never replaces a spec, and names what it looks for in a project it cannot tell', async () => {
  const repo = makeRepo({ '.contractor.yaml': 'build: make\n', 'package.json': PACKAGE });
  const again = await contractor(repo.path, ['init'], { CONTRACTOR_HOME: home.path });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already exists; contractor init never replaces a spec/);
  assert.equal(readFileSync(join(repo.path, '.contractor.yaml'), 'utf8'), 'build: make\n');
  const bare = makeRepo({ 'README.md': 'words\n' });
  const unknown = await contractor(bare.path, ['init'], { CONTRACTOR_HOME: home.path });
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.stderr, /no package\.json, Cargo\.toml, .* found/);
  repo.remove();
  bare.remove();
});

test.run();
