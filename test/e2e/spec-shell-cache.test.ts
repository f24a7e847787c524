// A spec chooses its phases' interpreter (`shell:`) and keeps the usual dependency caches in its
// workspace (`cache:`); the default stays POSIX `sh -e`.
import assert from 'node:assert/strict';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

let home: ReturnType<typeof tempDir>;
const repos = specRepos();
const BASH_ONLY =
  'build: |\n  words=(one two three)\n  [[ ${words[1]} == two ]] && echo "bash array says ${words[2]}"\n';

test.before(() => {
  home = tempDir('contractor-home-');
});

test.after(() => {
  home.remove();
  repos.removeAll();
});

const run = (cwd: string, args: string[] = []) =>
  contractor(cwd, ['run', '--no-cache', ...args], { CONTRACTOR_HOME: home.path });

test('shell: bash runs the phases under bash, in the namespace and gvisor tiers', async () => {
  const repo = repos.make(`shell: bash\n${BASH_ONLY}`);
  for (const driver of ['namespace', 'gvisor']) {
    const r = await run(repo.path, ['--driver', driver]);
    assert.equal(r.exitCode, 0, `${driver}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^bash array says three$/m);
  }
});

test('bash keeps -e: the first failing command fails the phase', async () => {
  const repo = repos.make('shell: bash\nbuild: |\n  false\n  echo not reached\n');
  const r = await run(repo.path);
  assert.equal(r.exitCode, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /not reached/);
});

test('any interpreter on the worker: shell: python3 runs the script as Python', async () => {
  const repo = repos.make(
    'shell: python3\nbuild: |\n  import sys\n  print("python", sys.version_info[0])\n',
  );
  const r = await run(repo.path);
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^python 3$/m);
});

test('the default is still POSIX sh: a bash-only script fails', async () => {
  const repo = repos.make(BASH_ONLY);
  const r = await run(repo.path);
  assert.equal(r.exitCode, 1, r.stdout + r.stderr);
});

test('cache: [npm, pip, cargo, go] points each tool into /workspace/.cache, kept with the workspace', async () => {
  const spec = [
    'workspace: ws',
    'cache: [npm, pip, cargo, go]',
    'build: |',
    '  echo "npm=$npm_config_cache pip=$PIP_CACHE_DIR cargo=$CARGO_HOME gomod=$GOMODCACHE gobuild=$GOCACHE"',
    '  mkdir -p "$npm_config_cache"',
    '  if [ -e "$npm_config_cache/marker" ]; then echo "cache kept"; fi',
    '  echo here > "$npm_config_cache/marker"',
    '',
  ].join('\n');
  const repo = repos.make(spec);
  const first = await run(repo.path);
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.match(
    first.stdout,
    /npm=\/workspace\/\.cache\/npm pip=\/workspace\/\.cache\/pip cargo=\/workspace\/\.cache\/cargo gomod=\/workspace\/\.cache\/go\/mod gobuild=\/workspace\/\.cache\/go\/build/,
  );
  assert.doesNotMatch(first.stdout, /cache kept/);
  const second = await run(repo.path);
  assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /^cache kept$/m);
});

test("the spec's env wins over what cache: sets", async () => {
  const repo = repos.make(
    'cache: [npm]\nenv: {npm_config_cache: /tmp/mine}\nbuild: echo "npm=$npm_config_cache"\n',
  );
  const r = await run(repo.path);
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^npm=\/tmp\/mine$/m);
});

test.run();
