import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dsse } from '@sigstore/core';
import { test } from 'uvu';
import { signEnvelope, type DsseEnvelope } from '../../src/attest/envelope.js';
import { pae } from '../../src/attest/pae.js';
import { buildStatement } from '../../src/attest/provenance.js';
import { verifyEnvelope } from '../../src/attest/verify-envelope.js';
import { ContractorError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { jobWithArtifact, signingHome } from './fixture.js';

function rejectsWith(run: () => unknown, check: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof ContractorError, String(e));
    assert.equal(e.code, 'VERIFY');
    assert.match(e.message, check);
    return true;
  });
}

async function signed(): Promise<{ envelope: DsseEnvelope; pem: string; done: () => void }> {
  const home = await signingHome();
  const { input } = jobWithArtifact(home.path);
  const envelope = signEnvelope(buildStatement(input), home.signer);
  return { envelope, pem: home.signer.publicKeyPem, done: home.remove };
}

test('PAE matches the DSSE specification example', () => {
  const encoded = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
  assert.equal(encoded.toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
});

test('PAE counts bytes, not characters, as @sigstore/core does', () => {
  const payload = Buffer.from('{"name":"héllo ✓"}');
  const ours = pae('application/vnd.in-toto+json', payload);
  assert.deepEqual(ours, dsse.preAuthEncoding('application/vnd.in-toto+json', payload));
  assert.match(ours.toString(), / 21 \{/);
});

test('signs an in-toto statement that verifies with the matching public key', async () => {
  const { envelope, pem, done } = await signed();
  assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
  assert.equal(envelope.signatures.length, 1);
  const statement = verifyEnvelope(envelope, pem);
  assert.equal(statement.subject[0]?.name, 'hello');
  done();
});

test('openssl verifies the signature over the PAE bytes with the SPKI PEM', async () => {
  const { envelope, pem, done } = await signed();
  const t = tempDir();
  const [sig] = envelope.signatures;
  writeFileSync(join(t.path, 'key.pub'), pem);
  writeFileSync(
    join(t.path, 'pae'),
    pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64')),
  );
  writeFileSync(join(t.path, 'sig'), Buffer.from(sig!.sig, 'base64'));
  const openssl = (file: string) =>
    execFileSync('openssl', ['dgst', '-sha256', '-verify', 'key.pub', '-signature', 'sig', file], {
      cwd: t.path,
      stdio: 'pipe',
    }).toString();
  assert.match(openssl('pae'), /Verified OK/);
  // The same check fails over the bare payload: the signature is over PAE, not the JSON.
  writeFileSync(join(t.path, 'payload'), Buffer.from(envelope.payload, 'base64'));
  assert.throws(() => openssl('payload'), /Verification failure|Command failed/);
  t.remove();
  done();
});

test('rejects a payload changed after signing', async () => {
  const { envelope, pem, done } = await signed();
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
  statement.subject[0].digest.sha256 = '0'.repeat(64);
  const payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  rejectsWith(() => verifyEnvelope({ ...envelope, payload }, pem), /^signature invalid/);
  done();
});

test('rejects a signature with one bit flipped', async () => {
  const { envelope, pem, done } = await signed();
  const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
  sig[sig.length - 3]! ^= 0x01;
  const tampered = { ...envelope, signatures: [{ keyid: '', sig: sig.toString('base64') }] };
  rejectsWith(() => verifyEnvelope(tampered, pem), /^signature invalid/);
  done();
});

test('rejects a signature made by another key and names both key ids', async () => {
  const { envelope, done } = await signed();
  const other = await signingHome();
  rejectsWith(
    () => verifyEnvelope(envelope, other.signer.publicKeyPem),
    new RegExp(
      `^signature invalid: .*key id ${other.signer.keyid}.*"${envelope.signatures[0]!.keyid}"`,
    ),
  );
  other.remove();
  done();
});

test('rejects an envelope whose payloadType was changed after signing', async () => {
  const { envelope, pem, done } = await signed();
  rejectsWith(
    () => verifyEnvelope({ ...envelope, payloadType: 'text/plain' }, pem),
    /^signature invalid/,
  );
  done();
});

test('rejects a correctly signed envelope of another payload type', async () => {
  const home = await signingHome();
  const payload = Buffer.from('{"hello":"world"}');
  const sig = home.signer.sign(pae('application/json', payload));
  const envelope = {
    payloadType: 'application/json',
    payload: payload.toString('base64'),
    signatures: [{ keyid: home.signer.keyid, sig: sig.toString('base64') }],
  };
  rejectsWith(
    () => verifyEnvelope(envelope, home.signer.publicKeyPem),
    /^wrong payload type: .*"application\/json".*application\/vnd\.in-toto\+json/,
  );
  home.remove();
});

test('rejects a correctly signed in-toto payload that is not a Statement v1', async () => {
  const home = await signingHome();
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}');
  const sig = home.signer.sign(pae('application/vnd.in-toto+json', payload));
  const envelope = {
    payloadType: 'application/vnd.in-toto+json',
    payload: payload.toString('base64'),
    signatures: [{ keyid: home.signer.keyid, sig: sig.toString('base64') }],
  };
  rejectsWith(
    () => verifyEnvelope(envelope, home.signer.publicKeyPem),
    /^envelope malformed: .*Statement/,
  );
  home.remove();
});

test('verifies with an Ed25519 key too, choosing the digest by key type', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const signer = {
    keyid: 'ed',
    publicKeyPem: pem,
    sign: (data: Buffer) => sign(null, data, privateKey),
  };
  const statement = {
    _type: 'https://in-toto.io/Statement/v1' as const,
    subject: [{ name: 'a', digest: { sha256: '0'.repeat(64) } }],
    predicateType: 'x',
    predicate: {},
  };
  assert.equal(verifyEnvelope(signEnvelope(statement, signer), pem).subject[0]?.name, 'a');
});

test.run();
