import assert from 'node:assert/strict';
import { test } from 'uvu';
import { Allowlist, parseAllowEntry } from '../../src/net/allowlist.js';
import { AllowlistEntryError } from '../../src/net/egress-errors.js';

test('parses host, host:port, *.suffix, *.suffix:port, IPv4 and [IPv6]:port entries', () => {
  assert.deepEqual(parseAllowEntry('Example.COM.'), {
    kind: 'name',
    host: 'example.com',
    ports: [443, 80],
  });
  assert.deepEqual(parseAllowEntry('pkg.example:8443'), {
    kind: 'name',
    host: 'pkg.example',
    ports: [8443],
  });
  assert.deepEqual(parseAllowEntry('*.example.com'), {
    kind: 'suffix',
    suffix: 'example.com',
    ports: [443, 80],
  });
  assert.deepEqual(parseAllowEntry('*.example.com:22'), {
    kind: 'suffix',
    suffix: 'example.com',
    ports: [22],
  });
  assert.deepEqual(parseAllowEntry('127.0.0.1:8080'), {
    kind: 'address',
    address: '127.0.0.1',
    ports: [8080],
  });
  assert.deepEqual(parseAllowEntry('[0:0::1]:8080'), {
    kind: 'address',
    address: '::1',
    ports: [8080],
  });
  assert.deepEqual(parseAllowEntry('[2001:db8::1]'), {
    kind: 'address',
    address: '2001:db8::1',
    ports: [443, 80],
  });
});

test('refuses malformed entries with an error naming the entry', () => {
  const bad = [
    '',
    '*',
    '*.',
    'a.*.com',
    '*example.com',
    'host:0',
    'host:65536',
    'host:8o',
    'host:',
    '::1',
    '[nope]:80',
    '[::1]:x',
    'a b.com',
    'http://example.com',
    'user@example.com',
    'a..b',
    '-lead.com',
    'x:1:2',
  ];
  for (const entry of bad) {
    assert.throws(
      () => parseAllowEntry(entry),
      (err: unknown) =>
        err instanceof AllowlistEntryError &&
        err.entry === entry &&
        err.message.includes(JSON.stringify(entry)),
      entry,
    );
  }
});

test('an entry without a port opens 443 and 80 and nothing else', () => {
  const list = new Allowlist(['registry.example']);
  assert.ok(list.allowsName('registry.example', 443));
  assert.ok(list.allowsName('registry.example', 80));
  assert.equal(list.allowsName('registry.example', 8080), false);
});

test('matches names case-insensitively and ignores a trailing dot', () => {
  const list = new Allowlist(['Registry.Example:8443']);
  assert.ok(list.allowsName('REGISTRY.example.', 8443));
  assert.equal(list.allowsName('registry.example', 443), false);
});

test('*.example.com matches subdomains but not example.com nor evil-example.com', () => {
  const list = new Allowlist(['*.example.com']);
  assert.ok(list.allowsName('sub.example.com', 443));
  assert.ok(list.allowsName('a.b.EXAMPLE.com.', 80));
  assert.equal(list.allowsName('example.com', 443), false);
  assert.equal(list.allowsName('evil-example.com', 443), false);
  assert.equal(list.allowsName('example.com.evil.test', 443), false);
});

test('an IP entry allows that address, in any spelling, and never a name', () => {
  const list = new Allowlist(['127.0.0.1:8080', '[::1]:9090']);
  assert.ok(list.allowsAddress('127.0.0.1', 8080));
  assert.ok(
    list.allowsAddress('::ffff:127.0.0.1', 8080),
    'IPv4-mapped IPv6 is the IPv4 address inside',
  );
  assert.ok(list.allowsAddress('0:0:0:0:0:0:0:1', 9090));
  assert.equal(list.allowsAddress('127.0.0.2', 8080), false);
  assert.equal(list.allowsAddress('127.0.0.1', 9090), false);
  assert.equal(list.allowsName('127.0.0.1', 8080), false);
  assert.equal(new Allowlist(['localhost:8080']).allowsAddress('127.0.0.1', 8080), false);
});

test.run();
