import assert from 'node:assert/strict';
import { test } from 'uvu';
import { parseDuration, parseRate, parseSize } from '../../src/spec/units.js';

test('reads durations in ms, s, m and h', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
});

test('reads binary and decimal sizes', () => {
  assert.equal(parseSize('512MiB'), 512 * 1024 * 1024);
  assert.equal(parseSize('2GiB'), 2 * 1024 ** 3);
  assert.equal(parseSize('1MB'), 1_000_000);
  assert.equal(parseSize('10 KiB'), 10_240);
});

test('reads rates per second', () => {
  assert.equal(parseRate('10MiB/s'), 10 * 1024 ** 2);
});

test('refuses units it does not know instead of guessing', () => {
  assert.throws(() => parseSize('12 parsecs'), /unknown size unit/);
  assert.throws(() => parseDuration('3 fortnights'), /unknown duration unit/);
  assert.throws(() => parseRate('10MiB'), /not a rate/);
});

test.run();
