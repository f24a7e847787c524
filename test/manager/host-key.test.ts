import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import {
  fingerprintOf,
  pinFromConfig,
  pinFromKnownHosts,
} from '../../src/manager/remote/host-key.js';

/** A key blob as SSH encodes it: the type name, length-prefixed, then key material. */
function keyBlob(type: string): Buffer {
  const name = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([len, name, randomBytes(36)]);
}

const KEY = keyBlob('ssh-ed25519');
const OTHER = keyBlob('ssh-ed25519');
const b64 = (b: Buffer): string => b.toString('base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${b64(salt)}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

test('a configured fingerprint pins exactly that key', () => {
  const pin = pinFromConfig(fingerprintOf(KEY), 'config.yaml:3:5');
  assert.equal(pin.matches(KEY), true);
  assert.equal(pin.matches(OTHER), false);
  assert.match(fingerprintOf(KEY), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('a configured public key line pins that key and its algorithm', () => {
  const pin = pinFromConfig(`ssh-ed25519 ${b64(KEY)} manager@host`, 'config.yaml:3:5');
  assert.equal(pin.matches(KEY), true);
  assert.equal(pin.matches(OTHER), false);
  assert.deepEqual(pin.algorithms, ['ssh-ed25519']);
});

test('a known_hosts entry for [host]:port pins its key; the same host on another port does not', () => {
  const text = `# managers\n[10.0.0.5]:2222 ssh-ed25519 ${b64(KEY)}\n10.0.0.5 ssh-ed25519 ${b64(OTHER)}\n`;
  const pin = pinFromKnownHosts(text, 'kh', '10.0.0.5', 2222);
  assert.equal(pin.matches(KEY), true);
  assert.equal(pin.matches(OTHER), false);
  assert.equal(pinFromKnownHosts(text, 'kh', '10.0.0.5', 22).matches(OTHER), true);
});

test('hashed known_hosts entries are matched', () => {
  const text = `${hashed('[build.example]:2222')} ssh-ed25519 ${b64(KEY)}\n`;
  assert.equal(pinFromKnownHosts(text, 'kh', 'build.example', 2222).matches(KEY), true);
});

test('an unknown host is refused rather than trusted on first use', () => {
  assert.throws(
    () => pinFromKnownHosts(`other ssh-ed25519 ${b64(KEY)}\n`, 'kh', 'build.example', 22),
    /kh has no key for build\.example; check the manager's fingerprint out of band/,
  );
});

test('a revoked key is refused even when another line lists it', () => {
  const text = `@revoked * ssh-ed25519 ${b64(KEY)}\nm ssh-ed25519 ${b64(KEY)}\nm ssh-rsa ${b64(OTHER)}\n`;
  const pin = pinFromKnownHosts(text.replace('@revoked *', '@revoked m'), 'kh', 'm', 22);
  assert.equal(pin.matches(KEY), false);
  assert.equal(pin.matches(OTHER), true);
  assert.deepEqual(pin.algorithms, ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
});

test('a hostKey that is neither a fingerprint nor a key line is refused', () => {
  assert.throws(
    () => pinFromConfig('yes please', 'config.yaml:3:5'),
    /config\.yaml:3:5: hostKey must be/,
  );
});

test.run();
