// The trusted side's ceilings: only the operator widens; the default and base branch specs, and the
// head's, only narrow; addresses and private names come from the operator's file alone.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppJob } from '../../src/github/app-job.js';
import { headPolicy } from '../../src/github/head-policy.js';
import {
  NO_REPOSITORY_POLICIES,
  parseRepositoryPolicies,
  type RepositoryPolicies,
} from '../../src/github/repository-policies.js';
import { trustedCeiling } from '../../src/github/trusted-policy.js';
import { parseSpec } from '../../src/spec/parse.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { makeRepo } from '../helpers/git-repo.js';

const REPO_ID = 4242;
const job = { owner: 'octo', repo: 'hello', repoId: REPO_ID } as AppJob;

/** The ceiling set by trusted branches whose specs are `texts` (none when undefined), under the operator's policies. */
async function ceilingFrom(
  texts: (string | undefined)[],
  policies: RepositoryPolicies = NO_REPOSITORY_POLICIES,
) {
  const repo = makeRepo();
  try {
    const trusted = texts.map((text, i) => {
      repo.git('checkout', '-q', '--orphan', `b${i}`);
      repo.git('rm', '-rq', '--cached', '--ignore-unmatch', '.');
      if (text === undefined) repo.git('clean', '-fdq');
      else repo.write('.contractor.yaml', text);
      repo.write('n.txt', String(i));
      return { rev: repo.commitAll(`branch ${i}`), name: i === 0 ? 'main' : `base${i}` };
    });
    return await trustedCeiling(job, { gitDir: join(repo.path, '.git'), trusted }, policies);
  } finally {
    repo.remove();
  }
}

const spec = (allow: string[], extra = '') =>
  `build: make\nnetwork:\n  allow: ${JSON.stringify(allow)}\n${extra}`;

const operator = (entry: string, id = REPO_ID) =>
  parseRepositoryPolicies(`repositories:\n  octo/hello:\n    id: ${id}\n${entry}`, 'repos.yaml');

function refusal(
  head: string,
  ceiling: Awaited<ReturnType<typeof ceilingFrom>>,
): string | undefined {
  try {
    headPolicy(parseSpec(head, '.contractor.yaml'), ceiling);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

test("with no operator file, a default branch spec's public names and limits are the ceiling", async () => {
  const c = await ceilingFrom([spec(['registry.example'], 'limits: {wall: 5m}\n')]);
  assert.equal(c.policy.allow, ['registry.example']);
  assert.is(c.policy.limits.wallMs, 5 * 60_000);
  assert.is(c.source, 'built-in default; octo/hello@main:.contractor.yaml');
});

test('no default branch spec: the built-in default, no network', async () => {
  const c = await ceilingFrom([undefined]);
  assert.equal(c.policy, DEFAULT_POLICY);
  assert.is(c.source, 'built-in default');
});

test('an invalid default branch spec grants nothing beyond the fallback, and says why', async () => {
  const c = await ceilingFrom([spec(['registry.example'], 'limits: {wall: forever}\n')]);
  assert.equal(c.policy, DEFAULT_POLICY);
  assert.match(c.source, /main:\.contractor\.yaml is invalid/);
});

test('a default branch spec too big to be one is not read, and grants nothing', async () => {
  const c = await ceilingFrom([`${spec(['registry.example'])}#${'x'.repeat(1024 ** 2)}\n`]);
  assert.equal(c.policy, DEFAULT_POLICY);
  assert.match(c.source, /main:\.contractor\.yaml is invalid/);
});

test('a default branch spec allowing the metadata service or a loopback port gets neither, and the refusal says why', async () => {
  const wanted = [
    'registry.example',
    '169.254.169.254:80',
    '127.0.0.1:3000',
    '[::1]:3000',
    'localhost:3000',
    'metadata.google.internal',
  ];
  const c = await ceilingFrom([spec(wanted)]);
  assert.equal(c.policy.allow, ['registry.example']);
  for (const entry of wanted.slice(1)) {
    const message = refusal(spec(['registry.example', entry]), c);
    assert.ok(message, `${entry} was granted by a branch spec`);
    assert.ok(message.includes(entry), message);
    assert.match(message, /operator's repositories file/);
  }
  assert.is(refusal(spec(['registry.example']), c), undefined);
});

test("an operator's default naming only public hosts does not let a branch spec add an address", async () => {
  const policies = parseRepositoryPolicies(
    'default:\n  network: {allow: ["*.example", "*.169.254"]}\n',
    'repos.yaml',
  );
  const c = await ceilingFrom([spec(['a.example', '169.254.169.254:80', '*.internal'])], policies);
  assert.equal(c.policy.allow, ['a.example']);
  assert.match(refusal(spec(['169.254.169.254:80']), c) ?? '', /169\.254\.169\.254:80/);
});

test("an address the operator's entry names exactly is granted, on its ports only", async () => {
  const policies = operator(
    '    network: {allow: ["169.254.169.254:80", "[::1]:3000", registry.example]}\n',
  );
  const c = await ceilingFrom(
    [spec(['169.254.169.254:80', '[0:0::1]:3000', 'registry.example'])],
    policies,
  );
  assert.equal(
    c.policy.allow.sort(),
    ['169.254.169.254:80', '[0:0::1]:3000', '[::1]:3000', 'registry.example'].sort(),
  );
  assert.is(refusal(spec(['169.254.169.254:80', '[::1]:3000']), c), undefined);
  assert.match(refusal(spec(['169.254.169.254:8080']), c) ?? '', /169\.254\.169\.254:8080/);
  assert.match(
    refusal(spec(['169.254.169.254']), c) ?? '',
    /169\.254\.169\.254,? /,
    'port 443 was not named',
  );
});

test('an operator entry for a name whose repository id changed applies to nobody', async () => {
  const policies = operator('    network: {allow: ["169.254.169.254:80"]}\n', REPO_ID + 1);
  const c = await ceilingFrom([spec(['169.254.169.254:80'])], policies);
  assert.equal(c.policy.allow, []);
  assert.match(c.source, /repository id 4243, not 4242/);
});

test('the default branch and the base branch both narrow the operator: allowlists, limits, driver floor', async () => {
  const policies = operator(
    '    network: {allow: ["*.example", b.org], build: true}\n    limits: {wall: 20m, memory: 2GiB}\n    driver: gvisor\n',
  );
  const c = await ceilingFrom(
    [
      spec(
        ['x.example', 'y.example', 'b.org', 'c.org'],
        'limits: {wall: 10m}\ndriver: namespace\n',
      ),
      spec(['*.example'], 'limits: {memory: 1GiB}\ndriver: vm\n'),
    ],
    policies,
  );
  assert.equal(c.policy.allow, ['x.example', 'y.example']);
  assert.is(c.policy.limits.wallMs, 10 * 60_000);
  assert.is(c.policy.limits.memoryBytes, 1024 ** 3);
  assert.is(c.policy.driver, 'vm');
  assert.is(c.policy.buildNetwork, true, 'branch specs have no say on build network');
  assert.match(refusal(spec(['b.org']), c) ?? '', /b\.org/);
  // The head cannot go below the floor: asking for less is refused by name.
  assert.throws(
    () => headPolicy(parseSpec(spec(['x.example'], 'driver: namespace\n'), '.contractor.yaml'), c),
    /driver: namespace is below vm/,
  );
  const head = headPolicy(parseSpec(spec(['x.example']), '.contractor.yaml'), c);
  assert.is(head.driver, 'vm');
});

test('a port-less operator entry does not open other ports to a branch', async () => {
  const policies = operator('    network: {allow: [registry.example]}\n');
  const c = await ceilingFrom([spec(['registry.example:8080', 'registry.example'])], policies);
  assert.equal(c.policy.allow, ['registry.example']);
});

test.run();
