// Limits are said, not guessed: a cut is named before the build, a crossed limit names its value
// and its source, and running out of processes ends as the limit, on each tier that can know it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

let home: ReturnType<typeof tempDir>;
const repos = specRepos();
// More children than the limit allows; they outlive the shell that the refused fork ends.
const forks = (seconds: number) => `for i in $(seq 60); do sleep ${seconds} & done\nwait\n`;
const FORKS = forks(60);
const indent = (script: string) => script.replace(/^/gm, '  ');

test.before(() => {
  home = tempDir('contractor-home-');
  writeFileSync(join(home.path, 'policy.yaml'), 'limits:\n  memory: 4GiB\n  processes: 30\n');
});

test.after(() => {
  home.remove();
  repos.removeAll();
});

const run = (cwd: string, args: string[]) =>
  contractor(cwd, ['run', '--no-cache', ...args], { CONTRACTOR_HOME: home.path });

test('a spec limit the policy cuts down is said before the build starts', async () => {
  const repo = repos.make('limits:\n  memory: 100GiB\nbuild: echo building\n');
  const r = await run(repo.path, []);
  assert.equal(r.exitCode, 0, r.stderr);
  const said = `memory 100GiB asked in .contractor.yaml, 4GiB allowed by ${join(home.path, 'policy.yaml')}`;
  assert.ok(r.stdout.includes(said), r.stdout);
  assert.ok(r.stdout.indexOf(said) < r.stdout.indexOf('building'), 'said before the build ran');
});

test("running out of the spec's processes limit ends as limit (exit 4), naming its value and the spec", async () => {
  const repo = repos.make(`limits:\n  processes: 20\nbuild: |\n${indent(FORKS)}`);
  const r = await run(repo.path, ['--json']);
  assert.equal(r.exitCode, 4, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout) as { status: string; limit: string; summary: string };
  assert.equal(doc.status, 'limit');
  assert.equal(doc.limit, 'processes');
  assert.equal(
    doc.summary,
    'the processes limit (20, set by limits.processes in .contractor.yaml) was exceeded',
  );
});

test("a limit the spec left to the policy names the policy's ceiling and file", async () => {
  const repo = repos.make(`build: |\n${indent(FORKS)}`);
  const r = await run(repo.path, ['--json']);
  assert.equal(r.exitCode, 4, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout) as { summary: string };
  assert.equal(
    doc.summary,
    `the processes limit (30, the ceiling of the trusted policy (${join(home.path, 'policy.yaml')})) was exceeded`,
  );
});

test('in gvisor too, a fork the sentry refused ends as the processes limit, not as the build failing', async () => {
  // The phase's output stays open while its children live: short sleeps keep the test short.
  const repo = repos.make(`limits:\n  processes: 20\nbuild: |\n${indent(forks(8))}`);
  const r = await run(repo.path, ['--json', '--driver', 'gvisor']);
  assert.equal(r.exitCode, 4, r.stdout + r.stderr);
  assert.equal((JSON.parse(r.stdout) as { limit: string }).limit, 'processes');
});

test.run();
