import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { initKeys } from '../../src/attest/init-keys.js';
import { contractorHome } from '../../src/attest/key-paths.js';
import { readPublicKeyPem } from '../../src/attest/public-key.js';
import { loadSigner } from '../../src/attest/signer.js';
import { ContractorError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

test('creates a P-256 PKCS#8 private key readable only by its owner, in a 0700 directory', async () => {
  const t = tempDir();
  const { privatePath, publicPath } = await initKeys(t.path);
  assert.equal(statSync(privatePath).mode & 0o777, 0o600);
  assert.equal(statSync(join(t.path, 'keys')).mode & 0o777, 0o700);
  const privatePem = readFileSync(privatePath, 'utf8');
  assert.match(privatePem, /^-----BEGIN PRIVATE KEY-----\n/);
  const key = createPrivateKey(privatePem);
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(readFileSync(publicPath, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
  t.remove();
});

test('tightens an existing keys directory to 0700', async () => {
  const t = tempDir();
  mkdirSync(join(t.path, 'keys'), { mode: 0o755 });
  chmodSync(join(t.path, 'keys'), 0o755);
  await initKeys(t.path);
  assert.equal(statSync(join(t.path, 'keys')).mode & 0o777, 0o700);
  t.remove();
});

test('refuses to overwrite an existing key and leaves it as it was', async () => {
  const t = tempDir();
  const { privatePath } = await initKeys(t.path);
  const before = readFileSync(privatePath, 'utf8');
  await assert.rejects(initKeys(t.path), (e: unknown) => {
    assert.ok(e instanceof ContractorError);
    assert.equal(e.code, 'USAGE');
    assert.match(e.message, /already exists at .*contractor\.key.*--force/);
    return true;
  });
  assert.equal(readFileSync(privatePath, 'utf8'), before);
  t.remove();
});

test('replaces the pair when forced, with a matching new public key', async () => {
  const t = tempDir();
  const { privatePath, publicPath } = await initKeys(t.path);
  const before = readFileSync(privatePath, 'utf8');
  await initKeys(t.path, { force: true });
  const after = readFileSync(privatePath, 'utf8');
  assert.notEqual(after, before);
  assert.equal(statSync(privatePath).mode & 0o777, 0o600);
  const derived = createPublicKey(after).export({ type: 'spki', format: 'pem' });
  assert.equal(readFileSync(publicPath, 'utf8'), derived);
  t.remove();
});

test('the key id is the sha256 of the SPKI DER, as openssl computes it', async () => {
  const t = tempDir();
  const { publicPath } = await initKeys(t.path);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-in', publicPath, '-outform', 'DER']);
  const expected = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der })
    .toString()
    .split(' ')[0];
  assert.equal((await loadSigner(t.path)).keyid, expected);
  t.remove();
});

test('reads back the public key it wrote', async () => {
  const t = tempDir();
  const { publicPath } = await initKeys(t.path);
  assert.equal(await readPublicKeyPem(t.path), readFileSync(publicPath, 'utf8'));
  t.remove();
});

test('refuses to load a signing key that others can read', async () => {
  const t = tempDir();
  const { privatePath } = await initKeys(t.path);
  chmodSync(privatePath, 0o644);
  await assert.rejects(loadSigner(t.path), /readable by others .*chmod 600/);
  t.remove();
});

test('says to run keys init when there is no key', async () => {
  const t = tempDir();
  await assert.rejects(loadSigner(t.path), /no signing key at .*contractor keys init/);
  await assert.rejects(readPublicKeyPem(t.path), /no public key at .*contractor keys init/);
  t.remove();
});

test('the home is $CONTRACTOR_HOME when set, else ~/.config/contractor', () => {
  assert.equal(contractorHome({ CONTRACTOR_HOME: '/srv/contractor' }), '/srv/contractor');
  assert.equal(contractorHome({ HOME: '/home/u' }).endsWith('/.config/contractor'), true);
});

test('makes a second, untrusted pair beside the first, a different key, as private', async () => {
  const t = tempDir();
  const made = await initKeys(t.path);
  assert.deepEqual(made.made, ['trusted', 'untrusted']);
  assert.equal(made.untrusted.privatePath, join(t.path, 'keys', 'untrusted.key'));
  assert.equal(statSync(made.untrusted.privatePath).mode & 0o777, 0o600);
  const trusted = await loadSigner(t.path);
  const untrusted = await loadSigner(t.path, 'untrusted');
  assert.notEqual(untrusted.keyid, trusted.keyid);
  assert.equal(await readPublicKeyPem(t.path, 'untrusted'), untrusted.publicKeyPem);
  t.remove();
});

test('keys init on a home with only the trusted pair adds the untrusted one and keeps the first', async () => {
  const t = tempDir();
  const { privatePath } = await initKeys(t.path);
  const before = readFileSync(privatePath, 'utf8');
  rmSync(join(t.path, 'keys', 'untrusted.key'));
  rmSync(join(t.path, 'keys', 'untrusted.pub'));
  const again = await initKeys(t.path);
  assert.deepEqual(again.made, ['untrusted']);
  assert.equal(readFileSync(privatePath, 'utf8'), before);
  assert.ok((await loadSigner(t.path, 'untrusted')).keyid);
  t.remove();
});

test.run();
