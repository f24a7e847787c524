import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { TRUSTED_BUILDER_ID, UNTRUSTED_BUILDER_ID } from '../../src/attest/source-origin.js';
import { verifyArtifact } from '../../src/attest/verify-artifact.js';
import { writeAttestation } from '../../src/attest/write-attestation.js';
import { ContractorError } from '../../src/errors.js';
import { sigstoreVerify } from '../helpers/sigstore-verify.js';
import { jobWithArtifact, sha256, signingHome } from './fixture.js';

async function attested() {
  const home = await signingHome();
  const { artifactPath, input } = jobWithArtifact(home.path);
  const paths = await writeAttestation(join(home.path, 'attestation'), input, home.signer);
  return { home, artifactPath, ...paths, publicKeyPem: home.signer.publicKeyPem };
}

async function rejects(run: Promise<unknown>, check: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof ContractorError, String(e));
    assert.equal(e.code, 'VERIFY');
    assert.match(e.message, check);
    return true;
  });
}

function editEnvelopeLine(path: string, edit: (envelope: Record<string, unknown>) => void): void {
  const envelope = JSON.parse(readFileSync(path, 'utf8'));
  edit(envelope);
  writeFileSync(path, JSON.stringify(envelope) + '\n');
}

test('verifies an artifact against the .intoto.jsonl and against the Sigstore bundle', async () => {
  const a = await attested();
  for (const attestationPath of [a.envelopePath, a.bundlePath]) {
    const verified = await verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath,
      publicKeyPem: a.publicKeyPem,
    });
    assert.equal(verified.subject.name, 'hello');
    assert.equal(verified.sha256, sha256('the built binary\n'));
    assert.equal(verified.statement.predicateType, 'https://slsa.dev/provenance/v1');
  }
  a.home.remove();
});

test('writes the envelope as exactly one JSON line', async () => {
  const a = await attested();
  const text = readFileSync(a.envelopePath, 'utf8');
  assert.equal(text.split('\n').length, 2);
  assert.equal(text.endsWith('\n'), true);
  assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['payload', 'payloadType', 'signatures']);
  a.home.remove();
});

test('writes a v0.3 bundle with a public key hint, no tlog entries and the same envelope, in camelCase', async () => {
  const a = await attested();
  const bundle = JSON.parse(readFileSync(a.bundlePath, 'utf8'));
  const envelope = JSON.parse(readFileSync(a.envelopePath, 'utf8'));
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.deepEqual(bundle.verificationMaterial.publicKey, { hint: a.home.signer.keyid });
  // Protobuf's JSON mapping leaves an empty repeated field out: no tlogEntries key means none.
  assert.equal(bundle.verificationMaterial.tlogEntries, undefined);
  assert.deepEqual(Object.keys(bundle).sort(), [
    'dsseEnvelope',
    'mediaType',
    'verificationMaterial',
  ]);
  assert.equal(bundle.dsseEnvelope.payloadType, envelope.payloadType);
  assert.equal(bundle.dsseEnvelope.payload, envelope.payload);
  assert.deepEqual(bundle.dsseEnvelope.signatures, envelope.signatures);
  a.home.remove();
});

test('@sigstore/verify accepts the bundle with the public key its hint names', async () => {
  const a = await attested();
  const bundle = JSON.parse(readFileSync(a.bundlePath, 'utf8'));
  sigstoreVerify(bundle, a.home.signer.keyid, a.publicKeyPem);
  a.home.remove();
});

test('@sigstore/verify rejects the bundle once its payload is changed', async () => {
  const a = await attested();
  const bundle = JSON.parse(readFileSync(a.bundlePath, 'utf8'));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
  statement.subject[0].name = 'evil';
  bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  assert.throws(() => sigstoreVerify(bundle, a.home.signer.keyid, a.publicKeyPem), /signature/i);
  a.home.remove();
});

test('rejects a changed artifact, printing its digest and the subject names', async () => {
  const a = await attested();
  writeFileSync(a.artifactPath, 'a trojan\n');
  await rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: a.bundlePath,
      publicKeyPem: a.publicKeyPem,
    }),
    new RegExp(
      `^artifact digest not among subjects: .*sha256:${sha256('a trojan\n')}.*"hello".*"out/readme.txt"`,
    ),
  );
  a.home.remove();
});

test('rejects an attestation whose payload was changed to name another digest', async () => {
  const a = await attested();
  editEnvelopeLine(a.envelopePath, (envelope) => {
    const statement = JSON.parse(Buffer.from(envelope.payload as string, 'base64').toString());
    statement.subject[0].digest.sha256 = sha256('a trojan\n');
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  });
  writeFileSync(a.artifactPath, 'a trojan\n');
  await rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: a.envelopePath,
      publicKeyPem: a.publicKeyPem,
    }),
    /attestation\.intoto\.jsonl: signature invalid/,
  );
  a.home.remove();
});

test('rejects a bundle whose signature was changed', async () => {
  const a = await attested();
  const bundle = JSON.parse(readFileSync(a.bundlePath, 'utf8'));
  const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
  sig[10]! ^= 0xff;
  bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
  writeFileSync(a.bundlePath, JSON.stringify(bundle));
  await rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: a.bundlePath,
      publicKeyPem: a.publicKeyPem,
    }),
    /attestation\.sigstore\.json: signature invalid/,
  );
  a.home.remove();
});

test('rejects an attestation checked against another key', async () => {
  const a = await attested();
  const other = await signingHome();
  await rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: a.bundlePath,
      publicKeyPem: other.signer.publicKeyPem,
    }),
    /signature invalid: no signature verifies with the given public key/,
  );
  other.remove();
  a.home.remove();
});

test('rejects an envelope relabelled with another payload type', async () => {
  const a = await attested();
  editEnvelopeLine(a.envelopePath, (envelope) => {
    envelope.payloadType = 'application/json';
  });
  await rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: a.envelopePath,
      publicKeyPem: a.publicKeyPem,
    }),
    /signature invalid/,
  );
  a.home.remove();
});

const hostileFiles: [string, (original: string) => string, RegExp][] = [
  [
    'a truncated envelope',
    (s) => s.slice(0, Math.floor(s.length / 2)),
    /envelope malformed: it is not JSON/,
  ],
  ['an empty file', () => '', /envelope malformed: the file is empty/],
  ['binary garbage', () => '\u0000\u00ff\u0013garbage', /envelope malformed: it is not JSON/],
  ['a JSON array', () => '[1,2,3]', /envelope malformed: it is not a JSON object/],
  ['two envelopes', (s) => s + s, /envelope malformed: it holds 2 lines/],
  [
    'no signatures',
    (s) => JSON.stringify({ ...JSON.parse(s), signatures: [] }),
    /envelope malformed: signatures/,
  ],
  [
    'a payload that is not base64',
    (s) => JSON.stringify({ ...JSON.parse(s), payload: 'not base64!' }),
    /envelope malformed: payload/,
  ],
  [
    'a bundle with no envelope',
    () => JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }),
    /envelope malformed: not a valid Sigstore bundle/,
  ],
];

for (const [what, corrupt, message] of hostileFiles) {
  test(`rejects ${what} as a malformed envelope`, async () => {
    const a = await attested();
    writeFileSync(a.envelopePath, corrupt(readFileSync(a.envelopePath, 'utf8')));
    await rejects(
      verifyArtifact({
        artifactPath: a.artifactPath,
        attestationPath: a.envelopePath,
        publicKeyPem: a.publicKeyPem,
      }),
      message,
    );
    a.home.remove();
  });
}

test('says which file is missing rather than failing a check', async () => {
  const a = await attested();
  const missing = join(a.home.path, 'nope.jsonl');
  await assert.rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: missing,
      publicKeyPem: a.publicKeyPem,
    }),
    (e: unknown) =>
      e instanceof ContractorError &&
      e.code === 'USAGE' &&
      /cannot read the attestation .*nope\.jsonl \(ENOENT\)/.test(e.message),
  );
  a.home.remove();
});

test('rejects a truncated Sigstore bundle as malformed', async () => {
  const a = await attested();
  const text = readFileSync(a.bundlePath, 'utf8');
  writeFileSync(a.bundlePath, text.slice(0, text.length - 40));
  await rejects(
    verifyArtifact({
      artifactPath: a.artifactPath,
      attestationPath: a.bundlePath,
      publicKeyPem: a.publicKeyPem,
    }),
    /attestation\.sigstore\.json: envelope malformed/,
  );
  a.home.remove();
});

test('--builder, --repo, --ref and --commit pass when the statement names them', async () => {
  const a = await attested();
  const verified = await verifyArtifact({
    artifactPath: a.artifactPath,
    attestationPath: a.bundlePath,
    publicKeyPem: a.publicKeyPem,
    expected: {
      builder: TRUSTED_BUILDER_ID,
      // The forms users type: git+ and .git aside, a branch by its short name.
      repository: 'git+https://github.com/example/hello.git',
      ref: 'main',
      commit: 'A'.repeat(40),
    },
  });
  assert.equal(verified.subject.name, 'hello');
  a.home.remove();
});

for (const [field, expected, check] of [
  [
    'builder',
    { builder: UNTRUSTED_BUILDER_ID },
    /builder mismatch: the attestation names builder "https:\/\/contractor\.invalid\/builders\/trusted\/v1", and "https:\/\/contractor\.invalid\/builders\/untrusted\/v1" was required/,
  ],
  [
    'repository',
    { repository: 'https://github.com/example/hello-fork' },
    /repository mismatch: the attestation names repository "https:\/\/github\.com\/example\/hello", and "https:\/\/github\.com\/example\/hello-fork" was required/,
  ],
  [
    'ref',
    { ref: 'refs/heads/release' },
    /ref mismatch: the attestation names ref "refs\/heads\/main", and "refs\/heads\/release" was required/,
  ],
  [
    'commit',
    { commit: 'a'.repeat(39) },
    /commit mismatch: the attestation names commit "a{40}", and "a{39}" was required/,
  ],
] as const)
  test(`a statement naming another ${field} than required fails naming the field and both values`, async () => {
    const a = await attested();
    await rejects(
      verifyArtifact({
        artifactPath: a.artifactPath,
        attestationPath: a.envelopePath,
        publicKeyPem: a.publicKeyPem,
        expected,
      }),
      check,
    );
    a.home.remove();
  });

test('--tree is checked against the gitTree of the source the builder had, not the client’s claim', async () => {
  const home = await signingHome();
  const { artifactPath, input } = jobWithArtifact(home.path);
  const tree = 'c'.repeat(40);
  const signedWith = async (sourceDigest: Record<string, string>) =>
    writeAttestation(join(home.path, 'att'), { ...input, sourceDigest }, home.signer);
  const check = async (tree: string) =>
    verifyArtifact({
      artifactPath,
      attestationPath: (await signedWith({ sha256: 'e'.repeat(64), gitTree: 'c'.repeat(40) }))
        .envelopePath,
      publicKeyPem: home.signer.publicKeyPem,
      expected: { tree, commit: 'a'.repeat(40) },
    });
  await check(tree.toUpperCase());
  await rejects(
    check('d'.repeat(40)),
    /tree mismatch: the attestation names gitTree "c{40}", and "d{40}" was required/,
  );
  const withoutTree = await signedWith({ sha256: 'e'.repeat(64) });
  await rejects(
    verifyArtifact({
      artifactPath,
      attestationPath: withoutTree.envelopePath,
      publicKeyPem: home.signer.publicKeyPem,
      expected: { tree },
    }),
    /tree mismatch: the attestation names no gitTree, and "c{40}" was required/,
  );
  home.remove();
});

test('a required ref the statement does not name (a snapshot) fails saying it names none', async () => {
  const home = await signingHome();
  const { artifactPath, input } = jobWithArtifact(home.path);
  const { ref: _ref, ...origin } = input.origin;
  const paths = await writeAttestation(join(home.path, 'att'), { ...input, origin }, home.signer);
  await rejects(
    verifyArtifact({
      artifactPath,
      attestationPath: paths.envelopePath,
      publicKeyPem: home.signer.publicKeyPem,
      expected: { ref: 'main' },
    }),
    /ref mismatch: the attestation names no ref, and "main" was required/,
  );
  home.remove();
});

test.run();
