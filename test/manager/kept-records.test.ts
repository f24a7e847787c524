import assert from 'node:assert/strict';
import { test } from 'uvu';
import { KeptRecords } from '../../src/manager/kept-records.js';

test('keeps the first records up to its limit and counts every one after', () => {
  const r = new KeptRecords<number>(3);
  const kept = [1, 2, 3, 4, 5].map((n) => r.add(n));
  assert.deepEqual(kept, [true, true, true, false, false]);
  assert.deepEqual(r.kept, [1, 2, 3]);
  assert.equal(r.omitted, 2);
  assert.equal(r.total, 5);
});

test.run();
