import assert from 'node:assert/strict';
import { test } from 'uvu';
import { isForbiddenAddress } from '../../src/net/forbidden-address.js';

test('refuses loopback, private, CGNAT, link-local, metadata, multicast and this-network IPv4 addresses', () => {
  const forbidden = [
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '100.127.255.254',
    '169.254.169.254',
    '169.254.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
  ];
  for (const ip of forbidden) assert.ok(isForbiddenAddress(ip), ip);
});

test('refuses the same ranges in IPv6, and IPv4-mapped addresses as the IPv4 inside', () => {
  const forbidden = [
    '::1',
    '::',
    'fe80::1',
    'FE80::abcd',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:c0a8:0101',
    '64:ff9b::a00:1',
  ];
  for (const ip of forbidden) assert.ok(isForbiddenAddress(ip), ip);
});

test('lets public addresses through, IPv4-mapped ones included', () => {
  const allowed = [
    '93.184.216.34',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '2606:4700::1111',
    '::ffff:93.184.216.34',
    '198.51.100.7',
  ];
  for (const ip of allowed) assert.equal(isForbiddenAddress(ip), false, ip);
});

test('treats something that is not an IP address as forbidden', () => {
  for (const junk of ['', 'localhost', '127.1', '0x7f000001', '2130706433', '1.2.3.4.5', '::g'])
    assert.ok(isForbiddenAddress(junk), junk);
});

test.run();
