import assert from 'node:assert/strict';
import { test } from 'uvu';
import { EgressRefusal } from '../../src/net/egress-errors.js';
import { parseConnectAuthority, parseProxyUrl } from '../../src/net/request-target.js';

test('reads CONNECT authorities for names, IPv4 and bracketed IPv6', () => {
  assert.deepEqual(parseConnectAuthority('Pkg.Example.:443'), { host: 'pkg.example', port: 443 });
  assert.deepEqual(parseConnectAuthority('127.0.0.1:8080'), {
    host: '127.0.0.1',
    port: 8080,
    ip: '127.0.0.1',
  });
  assert.deepEqual(parseConnectAuthority('[::FFFF:127.0.0.1]:22'), {
    host: '127.0.0.1',
    port: 22,
    ip: '127.0.0.1',
  });
  assert.deepEqual(parseConnectAuthority('[0::1]:22'), { host: '::1', port: 22, ip: '::1' });
});

test('refuses a CONNECT authority without a port, with junk, or with a bad port as malformed', () => {
  for (const bad of [
    'example.com',
    'example.com:',
    'example.com:0',
    'example.com:70000',
    '::1:443',
    '[nope]:443',
    'a b:443',
    'a%00b:443',
    'user@host:443',
    '/path:443',
    '',
  ]) {
    assert.throws(
      () => parseConnectAuthority(bad),
      (e: unknown) => e instanceof EgressRefusal && e.status === 400,
      bad,
    );
  }
});

test('reads absolute-form http URIs and refuses origin-form and https', () => {
  assert.deepEqual(parseProxyUrl('http://Example.com/a?b=1'), {
    host: 'example.com',
    port: 80,
    path: '/a?b=1',
  });
  assert.deepEqual(parseProxyUrl('http://[::1]:8080/'), {
    host: '::1',
    port: 8080,
    ip: '::1',
    path: '/',
  });
  assert.deepEqual(parseProxyUrl('http://0x7f.1/'), {
    host: '127.0.0.1',
    port: 80,
    ip: '127.0.0.1',
    path: '/',
  });
  for (const bad of [
    '/relative',
    'https://example.com/',
    'ftp://example.com/',
    'http://exa mple.com/',
  ]) {
    assert.throws(
      () => parseProxyUrl(bad),
      (e: unknown) => e instanceof EgressRefusal && e.status === 400,
      bad,
    );
  }
});

test.run();
