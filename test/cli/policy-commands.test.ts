// `contractor policy init | show | check`, and the refusals that point a new user at them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { DEFAULT_POLICY, parsePolicy } from '../../src/spec/policy.js';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const repos = specRepos();
test.after(() => repos.removeAll());

test('policy init writes a commented policy that changes nothing, and will not overwrite one', async () => {
  const home = tempDir();
  try {
    const env = { CONTRACTOR_HOME: join(home.path, 'fresh') };
    const r = await contractor(home.path, ['policy', 'init'], env);
    assert.equal(r.exitCode, 0, r.stderr);
    const file = join(home.path, 'fresh', 'policy.yaml');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# /m);
    assert.match(text, /policy suggest/);
    assert.deepEqual(parsePolicy(text, file), DEFAULT_POLICY);
    assert.equal((await contractor(home.path, ['policy', 'check', file])).exitCode, 0);
    writeFileSync(file, 'network:\n  allow: [mine.test]\n');
    const again = await contractor(home.path, ['policy', 'init'], env);
    assert.equal(again.exitCode, 2);
    assert.match(again.stderr, /already exists.*--force/);
    assert.equal(readFileSync(file, 'utf8'), 'network:\n  allow: [mine.test]\n');
  } finally {
    home.remove();
  }
});

test('policy check names the line of a bad policy; check on a policy points at policy check', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'policy.yaml');
    writeFileSync(file, 'network:\n  allow: [ok.test]\nlimits:\n  memory: lots\n');
    const bad = await contractor(dir.path, ['policy', 'check', file]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /policy\.yaml:4:\d+:.*memory/);
    writeFileSync(file, 'network:\n  allow: [ok.test]\n');
    const asSpec = await contractor(dir.path, ['check', file]);
    assert.equal(asSpec.exitCode, 2);
    assert.match(asSpec.stderr, /is a trusted policy, not a spec.*contractor policy check/);
    // A spec that is merely broken is still told what the spec lacks.
    writeFileSync(join(dir.path, 'spec.yaml'), 'setup: make\n');
    const broken = await contractor(dir.path, ['check', join(dir.path, 'spec.yaml')]);
    assert.equal(broken.exitCode, 2);
    assert.doesNotMatch(broken.stderr, /policy check/);
  } finally {
    dir.remove();
  }
});

test('policy show prints each value of the ceiling and where it comes from', async () => {
  const home = tempDir();
  try {
    const file = join(home.path, 'policy.yaml');
    writeFileSync(file, 'network:\n  allow: [reg.test]\nlimits:\n  memory: 2GiB\n');
    const repo = repos.make(
      'build: make\nlimits:\n  memory: 1GiB\nnetwork:\n  allow: [reg.test]\n',
    );
    const r = await contractor(home.path, ['policy', 'show', '--json', '--repo', repo.path], {
      CONTRACTOR_HOME: home.path,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const rows = Object.fromEntries(
      (JSON.parse(r.stdout) as { key: string; value: string; from: string }[]).map((x) => [
        x.key,
        x,
      ]),
    );
    assert.deepEqual(rows['network.allow'], {
      key: 'network.allow',
      value: 'reg.test',
      from: file,
    });
    assert.equal(rows['limits.wall']?.from, 'default');
    assert.equal(rows['limits.memory']?.value, '1GiB (ceiling 2GiB)');
    assert.equal(rows['limits.memory']?.from, join(repo.path, '.contractor.yaml'));
    const none = await contractor(home.path, ['policy', 'show'], {
      CONTRACTOR_HOME: join(home.path, 'nothing'),
    });
    assert.equal(none.exitCode, 0, none.stderr);
    assert.match(none.stdout, /network\.allow\s+\(none\)\s+default \(no file at /);
  } finally {
    home.remove();
  }
});

test('a refusal for want of a policy says the policy is missing and prints the lines to paste', async () => {
  const home = tempDir();
  try {
    const repo = repos.make(
      'setup: make\nbuild: make\nnetwork:\n  allow: [reg.test, "mirror.test:8443"]\n',
    );
    const r = await contractor(repo.path, ['run'], { CONTRACTOR_HOME: home.path });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /there is no trusted policy at .*policy\.yaml/);
    assert.match(r.stderr, /contractor policy init/);
    assert.match(r.stderr, /network:\n  allow:\n    - "reg\.test"\n    - "mirror\.test:8443"/);
    assert.equal(existsSync(join(home.path, 'policy.yaml')), false);
  } finally {
    home.remove();
  }
});

test.run();
