import assert from 'node:assert/strict';
import { test } from 'uvu';
import { DEFAULT_POLICY, parsePolicy } from '../../src/spec/policy.js';
import { looksLikePolicy } from '../../src/spec/policy-shape.js';
import { STARTER_POLICY } from '../../src/spec/starter-policy.js';

test('the starting policy is valid and states exactly the defaults', () => {
  assert.deepEqual(parsePolicy(STARTER_POLICY, 'policy.yaml'), DEFAULT_POLICY);
});

test('a policy is told from a spec by its keys', () => {
  assert.equal(looksLikePolicy(STARTER_POLICY), true);
  assert.equal(looksLikePolicy('build: make\nnetwork:\n  allow: [a.test]\n'), false);
  assert.equal(looksLikePolicy('network:\n  allow: [a.test]\nsetup: x\n'), false);
  assert.equal(looksLikePolicy('- a\n'), false);
  assert.equal(looksLikePolicy(''), false);
});

test.run();
