// A day-one user gates a new Node project from scratch: its one dependency comes from the team's
// own npm registry (a test host in a network namespace this test makes). contractor policy init,
// contractor init, one --audit run, the suggested policy line pasted, and the first real run passes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { parseAllDocuments } from 'yaml';
import { contractor } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { startNetnsHost, type NetnsHost } from '../helpers/netns-host.js';
import { tempDir } from '../helpers/tmp.js';

const REGISTRY = fileURLToPath(new URL('../helpers/npm-registry-host.js', import.meta.url));

if (process.getuid?.() === 0) {
  const home = tempDir('contractor-home-');
  const packages = tempDir('contractor-packages-');
  const env = { CONTRACTOR_HOME: home.path };
  let registry: NetnsHost;
  let repo: TestRepo;

  test.before(async () => {
    // The team's package, packed as its author would publish it.
    const pkg = join(packages.path, 'greet');
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'greet', version: '1.0.0', main: 'index.js', license: 'MIT' }),
    );
    writeFileSync(join(pkg, 'index.js'), "module.exports = (n) => 'hello, ' + n;\n");
    execFileSync('npm', ['pack', '--silent', '--pack-destination', packages.path], { cwd: pkg });
    registry = await startNetnsHost(REGISTRY, [packages.path]);

    // The new project: a lockfile made against that registry, and a node:test test.
    repo = makeRepo({
      '.npmrc': `registry=http://${registry.address}/\n`,
      'package.json': JSON.stringify({
        name: 'app',
        version: '0.1.0',
        private: true,
        dependencies: { greet: '1.0.0' },
        scripts: { test: 'node --test' },
      }),
      'test/greet.test.js': [
        "const test = require('node:test');",
        "const assert = require('node:assert');",
        "const greet = require('greet');",
        "test('greets', () => assert.strictEqual(greet('you'), 'hello, you'));",
        '',
      ].join('\n'),
      '.gitignore': 'node_modules/\n',
    });
    execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--silent'], {
      cwd: repo.path,
      env: { ...process.env, npm_config_cache: join(packages.path, 'npm-cache') },
    });
    repo.commitAll('a new node project');
  });

  test.after(() => {
    registry?.stop();
    repo?.remove();
    home.remove();
    packages.remove();
  });

  test('policy init, init, one --audit run, the suggestion pasted: the first real run passes', async () => {
    const policyInit = await contractor(repo.path, ['policy', 'init'], env);
    assert.equal(policyInit.exitCode, 0, policyInit.stderr);

    const init = await contractor(repo.path, ['init'], env);
    assert.equal(init.exitCode, 0, init.stderr);
    assert.match(init.stdout, /npm project/);
    repo.commitAll('gate with contractor');

    // The audit learns what the policy lacks in one run, and the build passes with it.
    const audit = await contractor(repo.path, ['run', '--audit'], env);
    assert.equal(audit.exitCode, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout + audit.stderr, /audit: network\.allow asks for/);
    assert.match(audit.stdout, /✔ passed/);
    // Each request names the policy as what lacks the host, not the spec, which lists it.
    assert.match(
      audit.stdout,
      /\.contractor\.yaml asks for it, the trusted policy does not allow it: add [0-9.]+ to network\.allow there/,
    );

    const suggest = await contractor(repo.path, ['policy', 'suggest'], env);
    assert.equal(suggest.exitCode, 0, suggest.stderr);
    const [forSpec, forPolicy] = parseAllDocuments(suggest.stdout).map(
      (d) => d.toJS() as { network: { allow: string[] } },
    );
    // The team's registry is the one host asked: npm's update notifier is off in the worker.
    const entry = registry.address;
    assert.deepEqual(forSpec?.network.allow, [entry]);
    assert.deepEqual(forPolicy?.network.allow, [entry]);

    // The user pastes the reviewed policy entry where suggest said.
    const policyFile = join(home.path, 'policy.yaml');
    const policy = readFileSync(policyFile, 'utf8');
    assert.match(policy, /^ {2}allow: \[\]$/m);
    writeFileSync(policyFile, policy.replace(/^ {2}allow: \[\]$/m, `  allow: ["${entry}"]`));

    const real = await contractor(repo.path, ['run', '--json'], env);
    assert.equal(real.exitCode, 0, real.stdout + real.stderr);
    const doc = JSON.parse(real.stdout) as { status: string; violations: unknown[] };
    assert.equal(doc.status, 'passed');
    assert.deepEqual(doc.violations, []);
    // The dependency really came from the registry, in the audit run and in the real one.
    const tarballs = registry.lines.filter((l) => l === 'GET /greet/-/greet-1.0.0.tgz');
    assert.ok(tarballs.length >= 2, registry.lines.join('\n'));
  });

  test.run();
} else {
  console.log('day-one: skipped, it needs root to make the registry host network namespace');
}
