import assert from 'node:assert/strict';
import { test } from 'uvu';
import { within } from '../../src/worker/path-within.js';

test('a path is within a directory when it is the directory or below it', () => {
  assert.ok(within('/tmp', '/tmp'));
  assert.ok(within('/tmp/a/b', '/tmp'));
  assert.ok(within('/tmp/a/../b', '/tmp/'));
  assert.ok(within('/tmp/..x', '/tmp'), 'a name that starts with two dots is still inside');
});

test('a parent, a sibling or a path climbing out is not within', () => {
  assert.ok(!within('/', '/tmp'));
  assert.ok(!within('/tmpx', '/tmp'));
  assert.ok(!within('/tmp/../etc', '/tmp'));
  assert.ok(!within('/var/tmp', '/tmp'));
});

test.run();
