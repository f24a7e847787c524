import assert from 'node:assert/strict';
import { test } from 'uvu';
import { suggestAllowlist } from '../../src/spec/policy-suggest.js';

test('suggests exact hosts, with ports only when they are not 80 or 443', () => {
  const s = suggestAllowlist([
    { host: 'pkg.example', port: 443, phase: 'setup' },
    { host: 'PKG.example.', port: 80, phase: 'setup' },
    { host: 'git.example', port: 9418, phase: 'setup' },
    { host: '::1', port: 8080, phase: 'setup' },
  ]);
  assert.deepEqual(s.allow, ['[::1]:8080', 'git.example:9418', 'pkg.example']);
  assert.equal(s.buildNeedsNetwork, false);
});

test('says when the build phase itself needed the network', () => {
  assert.equal(
    suggestAllowlist([{ host: 'a.example', port: 443, phase: 'build' }]).buildNeedsNetwork,
    true,
  );
});

test('counts each entry once, with its requests and phases', () => {
  const s = suggestAllowlist([
    ...Array.from({ length: 5 }, () => ({
      host: 'reg.example',
      port: 443,
      phase: 'setup' as const,
    })),
    { host: 'reg.example', port: 80, phase: 'build' },
    { host: 'git.example', port: 9418, phase: 'setup' },
  ]);
  assert.deepEqual(s.entries, [
    { entry: 'git.example:9418', requests: 1, phases: ['setup'] },
    { entry: 'reg.example', requests: 6, phases: ['setup', 'build'] },
  ]);
});

test.run();
