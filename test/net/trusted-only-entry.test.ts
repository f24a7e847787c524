// Which allowlist entries only the operator may grant: addresses in every spelling, and the names of local networks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { trustedOnlyKey } from '../../src/net/trusted-only-entry.js';

test('addresses and names of local networks need the operator, in any spelling', () => {
  for (const entry of [
    '169.254.169.254:80',
    '8.8.8.8',
    '[::1]:3000',
    '[::ffff:127.0.0.1]:80',
    'localhost:3000',
    'api.localhost',
    'metadata.google.internal',
    '*.internal',
    'printer.local',
    'instance-data',
    '0x7f.1',
    '2130706433:80',
    'not an entry',
  ])
    assert.ok(trustedOnlyKey(entry), entry);
});

test('public names and wildcards over them are for the branch specs to choose', () => {
  for (const entry of ['registry.npmjs.org', '*.pythonhosted.org:443', 'a1.example', 'x.org:8080'])
    assert.is(trustedOnlyKey(entry), undefined, entry);
});

test('one address spelled two ways has one key; another port is another key', () => {
  assert.is(trustedOnlyKey('[::ffff:127.0.0.1]:80'), trustedOnlyKey('127.0.0.1:80'));
  assert.is(trustedOnlyKey('[0:0::1]:3000'), trustedOnlyKey('[::1]:3000'));
  assert.is.not(trustedOnlyKey('127.0.0.1:80'), trustedOnlyKey('127.0.0.1:81'));
  assert.is.not(trustedOnlyKey('127.0.0.1'), trustedOnlyKey('127.0.0.1:80'));
});

test.run();
