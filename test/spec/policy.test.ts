import assert from 'node:assert/strict';
import { test } from 'uvu';
import { allowCovers as entryCovers } from '../../src/spec/policy-intersection.js';
import { ContractorError } from '../../src/errors.js';
import {
  auditNotice,
  DEFAULT_POLICY,
  effectivePolicy,
  parsePolicy,
} from '../../src/spec/policy.js';
import { parseSpec } from '../../src/spec/parse.js';
import { narrowToManager } from '../../src/manager/remote/manager-ceiling.js';

test('a spec narrows the policy’s limits but cannot raise them', () => {
  const policy = parsePolicy('limits: {memory: 1GiB, wall: 10m}\n', 'policy.yaml');
  const spec = parseSpec('build: make\nlimits: {memory: 8GiB, wall: 1m}\n', 'spec.yaml');
  const eff = effectivePolicy(spec, policy, 'policy.yaml');
  assert.equal(eff.limits.memoryBytes, 1024 ** 3);
  assert.equal(eff.limits.wallMs, 60_000);
  assert.equal(eff.limits.processes, DEFAULT_POLICY.limits.processes);
});

test('refuses an allowlist entry the trusted policy does not cover, naming it', () => {
  const policy = parsePolicy(
    'network: {allow: ["*.example.org", "pkg.example:443"]}\n',
    'policy.yaml',
  );
  const spec = parseSpec(
    'build: make\nnetwork: {allow: [a.example.org, pkg.example:443, evil.example]}\n',
    'spec.yaml',
  );
  assert.throws(
    () => effectivePolicy(spec, policy, 'policy.yaml'),
    (err: unknown) =>
      err instanceof ContractorError &&
      err.code === 'POLICY' &&
      /evil\.example/.test(err.message) &&
      !/a\.example\.org/.test(err.message),
  );
});

test('with no policy configured there is no network', () => {
  const spec = parseSpec('build: make\nnetwork: {allow: [pkg.example]}\n', 'spec.yaml');
  assert.throws(() => effectivePolicy(spec, DEFAULT_POLICY, 'defaults'), /pkg\.example/);
});

test('wildcards cover subdomains and narrower wildcards, not the bare domain or look-alikes', () => {
  assert.equal(entryCovers('*.example.org', 'a.example.org'), true);
  assert.equal(entryCovers('*.example.org', '*.b.example.org'), true);
  assert.equal(entryCovers('*.example.org', 'example.org'), false);
  assert.equal(entryCovers('*.example.org', 'evilexample.org'), false);
  assert.equal(entryCovers('pkg.example:443', 'pkg.example'), false);
  assert.equal(entryCovers('pkg.example', 'pkg.example:443'), true);
  assert.equal(entryCovers('[::1]:8080', '[::1]:8080'), true);
});

test('an entry without a port covers 443 and 80 only, as the proxy reads it', () => {
  assert.equal(entryCovers('pkg.example', 'pkg.example:80'), true);
  assert.equal(entryCovers('pkg.example', 'pkg.example:8080'), false);
  assert.equal(entryCovers('*.example', 'a.example:22'), false);
  const spec = parseSpec('build: make\nnetwork: {allow: ["pkg.example:8080"]}\n', 'spec.yaml');
  const policy = { ...DEFAULT_POLICY, allow: ['pkg.example'] };
  assert.throws(() => effectivePolicy(spec, policy, 'policy.yaml'), /pkg\.example:8080/);
});

test('a policy file with a typo is refused with its position', () => {
  assert.throws(
    () => parsePolicy('netwrok: {}\n', 'policy.yaml'),
    /policy\.yaml:1:1: unknown key "netwrok"; did you mean "network"\?/,
  );
});

test('containers: true raises the driver to vm, unless the trusted policy forbids it', () => {
  const spec = parseSpec('build: docker build .\ncontainers: true\n', 'spec.yaml');
  const eff = effectivePolicy(spec, DEFAULT_POLICY, 'defaults');
  assert.equal(eff.containers, true);
  assert.equal(eff.driver, 'vm');
  const plain = effectivePolicy(
    parseSpec('build: make\n', 'spec.yaml'),
    DEFAULT_POLICY,
    'defaults',
  );
  assert.equal(plain.containers, undefined);
  assert.equal(plain.driver, DEFAULT_POLICY.driver);
  const forbidding = parsePolicy('containers: false\n', 'policy.yaml');
  assert.throws(
    () => effectivePolicy(spec, forbidding, 'policy.yaml'),
    (err: unknown) =>
      err instanceof ContractorError &&
      err.code === 'POLICY' &&
      /containers: true is forbidden by the trusted policy \(policy\.yaml\)/.test(err.message),
  );
});

test('containers: true with a driver below vm is refused, naming both', () => {
  const spec = parseSpec('build: docker build .\ncontainers: true\ndriver: gvisor\n', 'spec.yaml');
  assert.throws(
    () => effectivePolicy(spec, DEFAULT_POLICY, 'defaults'),
    /containers: true needs driver: vm.*driver: gvisor/,
  );
});

test('plain-HTTP registries come from the trusted policy only, and only to a containers job', () => {
  const policy = parsePolicy(
    'insecure-registries: ["registry.corp.example:5000"]\n',
    'policy.yaml',
  );
  const spec = parseSpec('build: docker build .\ncontainers: true\n', 'spec.yaml');
  assert.deepEqual(effectivePolicy(spec, policy, 'policy.yaml').insecureRegistries, [
    'registry.corp.example:5000',
  ]);
  const plain = parseSpec('build: make\n', 'spec.yaml');
  assert.equal(effectivePolicy(plain, policy, 'policy.yaml').insecureRegistries, undefined);
  // The repository cannot loosen TLS for itself: the spec has no such key.
  assert.throws(
    () =>
      parseSpec(
        'build: make\ncontainers: true\ninsecure-registries: [evil.example]\n',
        'spec.yaml',
      ),
    /spec\.yaml:3:1: unknown key "insecure-registries"/,
  );
  // A URL, a path or a TOML-breaking string is no registry name.
  for (const bad of ['"http://r.example"', '"r.example/team"', '"r\\"x"', '"r.example:"'])
    assert.throws(
      () => parsePolicy(`insecure-registries: [${bad}]\n`, 'policy.yaml'),
      /insecure-registries/,
    );
});

test('a manager narrows plain-HTTP registries to those its own policy names too', () => {
  const spec = parseSpec('build: docker build .\ncontainers: true\n', 'spec.yaml');
  const client = effectivePolicy(
    spec,
    parsePolicy('insecure-registries: [a.example, b.example]\n', 'client.yaml'),
    'client.yaml',
  );
  const narrowed = (ceiling: string) =>
    effectivePolicy(spec, narrowToManager(client, parsePolicy(ceiling, 'm.yaml'), 'm.yaml'), 'x')
      .insecureRegistries;
  assert.deepEqual(narrowed('insecure-registries: [b.example, c.example]\n'), ['b.example']);
  assert.equal(narrowed('{}\n'), undefined);
});

test('an --audit run carries the entries the policy lacks aside instead of refusing them', () => {
  const policy = parsePolicy('network: {allow: ["pkg.example:443"]}\n', 'policy.yaml');
  const spec = parseSpec(
    'build: make\nnetwork: {allow: [pkg.example:443, evil.example]}\n',
    'spec.yaml',
  );
  assert.throws(() => effectivePolicy(spec, policy, 'policy.yaml'), /evil\.example/);
  const audited = effectivePolicy(spec, policy, 'policy.yaml', { audit: true });
  assert.deepEqual(audited.allow, ['pkg.example:443']);
  assert.deepEqual(audited.specOnlyAllow, ['evil.example']);
  assert.match(
    auditNotice(audited) ?? '',
    /^audit: network\.allow asks for evil\.example, which policy\.yaml does not allow/,
  );
  // With nothing beyond the policy, an audit run's policy is a plain run's, and says nothing.
  const plain = parseSpec('build: make\nnetwork: {allow: [pkg.example:443]}\n', 'spec.yaml');
  assert.deepEqual(
    effectivePolicy(plain, policy, 'policy.yaml', { audit: true }),
    effectivePolicy(plain, policy, 'policy.yaml'),
  );
  assert.equal(auditNotice(effectivePolicy(plain, policy, 'policy.yaml')), undefined);
});

test.run();
