// The real CLI: `contractor keys init|public` and `contractor verify`, as a user runs them.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { loadSigner } from '../../src/attest/signer.js';
import { writeAttestation } from '../../src/attest/write-attestation.js';
import { withLocalSigning } from '../../src/manager/local-signing.js';
import { jobWithArtifact, sha256 } from '../attest/fixture.js';
import { contractor, type CliResult } from '../helpers/cli.js';
import { TRUSTED_BUILDER_ID } from '../../src/attest/source-origin.js';
import { jobRequest, TEST_ORIGIN } from '../helpers/in-process-manager.js';
import { stubExecutor } from '../helpers/stub-executor.js';
import { tempDir } from '../helpers/tmp.js';

const VERIFY_FAILED = 1;
const USAGE = 2;

/** A home with a key from `keys init`, its public key saved by `keys public`, and an attested artifact. */
async function attested() {
  const t = tempDir('contractor-verify-');
  const env = { CONTRACTOR_HOME: join(t.path, 'home') };
  assert.equal((await contractor(t.path, ['keys', 'init'], env)).exitCode, 0);
  const pub = await contractor(t.path, ['keys', 'public'], env);
  const keyPath = join(t.path, 'signer.pub');
  writeFileSync(keyPath, pub.stdout);
  const { artifactPath, input } = jobWithArtifact(t.path);
  const paths = await writeAttestation(
    join(t.path, 'out'),
    input,
    await loadSigner(env.CONTRACTOR_HOME),
  );
  const verify = (attestation: string, key = keyPath, artifact = artifactPath) =>
    contractor(t.path, ['verify', artifact, '--attestation', attestation, '--key', key]);
  return { t, env, keyPath, artifactPath, ...paths, verify };
}

function fails(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.exitCode, code, r.stderr);
  assert.match(r.stderr, message);
  assert.equal(r.stdout, '');
}

test('keys init writes a private key only its owner reads, and keys public prints the public key', async () => {
  const t = tempDir();
  const home = join(t.path, 'home');
  const init = await contractor(t.path, ['keys', 'init'], { CONTRACTOR_HOME: home });
  assert.equal(init.exitCode, 0, init.stderr);
  const privatePath = join(home, 'keys', 'contractor.key');
  assert.match(init.stdout, new RegExp(privatePath));
  assert.equal(statSync(privatePath).mode & 0o777, 0o600);
  assert.match(readFileSync(privatePath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  const pub = await contractor(t.path, ['keys', 'public'], { CONTRACTOR_HOME: home });
  assert.equal(pub.exitCode, 0, pub.stderr);
  // execa drops the final newline of what was printed.
  assert.match(pub.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----$/);
  assert.equal(pub.stdout + '\n', readFileSync(join(home, 'keys', 'contractor.pub'), 'utf8'));
  t.remove();
});

test('keys init refuses to replace an existing key without --force, and keeps it', async () => {
  const t = tempDir();
  const env = { CONTRACTOR_HOME: t.path };
  await contractor(t.path, ['keys', 'init'], env);
  const before = readFileSync(join(t.path, 'keys', 'contractor.key'), 'utf8');
  fails(
    await contractor(t.path, ['keys', 'init'], env),
    USAGE,
    /a signing key already exists at .*contractor\.key.*--force/,
  );
  assert.equal(readFileSync(join(t.path, 'keys', 'contractor.key'), 'utf8'), before);
  assert.equal((await contractor(t.path, ['keys', 'init', '--force'], env)).exitCode, 0);
  assert.notEqual(readFileSync(join(t.path, 'keys', 'contractor.key'), 'utf8'), before);
  t.remove();
});

test('keys public with no key exits 2 and says to run keys init', async () => {
  const t = tempDir();
  fails(
    await contractor(t.path, ['keys', 'public'], { CONTRACTOR_HOME: t.path }),
    USAGE,
    /no public key at .*contractor\.pub; run `contractor keys init` first/,
  );
  t.remove();
});

test('keys init, keys public and verify each have --help', async () => {
  const t = tempDir();
  for (const args of [['keys'], ['keys', 'init'], ['keys', 'public'], ['verify']]) {
    const r = await contractor(t.path, [...args, '--help']);
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: git contractor ${args.join(' ')} `));
  }
  t.remove();
});

test('verify accepts the artifact against the .intoto.jsonl and against the Sigstore bundle', async () => {
  const a = await attested();
  for (const attestation of [a.envelopePath, a.bundlePath]) {
    const r = await a.verify(attestation);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^verified: .*hello \\(sha256:${sha256('the built binary\n')}\\) is subject "hello"`,
      ),
    );
  }
  a.t.remove();
});

test('verify --json prints the digest and the subject it matched', async () => {
  const a = await attested();
  const r = await contractor(a.t.path, [
    'verify',
    a.artifactPath,
    '--attestation',
    a.envelopePath,
    '--key',
    a.keyPath,
    '--json',
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.subject, 'hello');
  assert.equal(out.sha256, sha256('the built binary\n'));
  a.t.remove();
});

test('verify rejects a changed artifact: its digest is not a subject', async () => {
  const a = await attested();
  writeFileSync(a.artifactPath, 'a trojan\n');
  fails(
    await a.verify(a.envelopePath),
    VERIFY_FAILED,
    new RegExp(
      `^not verified: artifact digest not among subjects: .*hello has sha256:${sha256('a trojan\n')}`,
    ),
  );
  a.t.remove();
});

test('verify rejects an envelope whose payload was changed: the signature does not match', async () => {
  const a = await attested();
  const envelope = JSON.parse(readFileSync(a.envelopePath, 'utf8'));
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
  statement.subject[0].digest.sha256 = sha256('a trojan\n');
  envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  writeFileSync(a.envelopePath, JSON.stringify(envelope) + '\n');
  writeFileSync(a.artifactPath, 'a trojan\n');
  fails(
    await a.verify(a.envelopePath),
    VERIFY_FAILED,
    /^not verified: .*attestation\.intoto\.jsonl: signature invalid: .*changed after signing/,
  );
  a.t.remove();
});

test('verify rejects the right attestation checked with another key: wrong key', async () => {
  const a = await attested();
  const other = tempDir();
  const env = { CONTRACTOR_HOME: other.path };
  await contractor(other.path, ['keys', 'init'], env);
  const otherKey = join(other.path, 'other.pub');
  writeFileSync(otherKey, (await contractor(other.path, ['keys', 'public'], env)).stdout);
  for (const attestation of [a.envelopePath, a.bundlePath])
    fails(
      await a.verify(attestation, otherKey),
      VERIFY_FAILED,
      /^not verified: .*attestation\.(intoto\.jsonl|sigstore\.json): signature invalid: .*not the signer's key/,
    );
  other.remove();
  a.t.remove();
});

test('verify rejects a malformed attestation file, naming it', async () => {
  const a = await attested();
  const envelope = readFileSync(a.envelopePath, 'utf8');
  writeFileSync(a.envelopePath, envelope.slice(0, envelope.length / 2));
  writeFileSync(a.bundlePath, JSON.stringify({ mediaType: 'text/plain' }));
  fails(
    await a.verify(a.envelopePath),
    VERIFY_FAILED,
    /^not verified: .*attestation\.intoto\.jsonl: envelope malformed: it is not JSON/,
  );
  fails(
    await a.verify(a.bundlePath),
    VERIFY_FAILED,
    /^not verified: .*attestation\.sigstore\.json: envelope malformed: not a valid Sigstore bundle/,
  );
  a.t.remove();
});

test('verify says a missing or unreadable key file is a usage error, naming the file', async () => {
  const a = await attested();
  fails(
    await a.verify(a.envelopePath, join(a.t.path, 'nope.pub')),
    USAGE,
    /cannot read the public key .*nope\.pub \(ENOENT\)/,
  );
  fails(
    await a.verify(a.envelopePath, a.envelopePath),
    USAGE,
    /attestation\.intoto\.jsonl: the public key is not a PEM public key/,
  );
  const noKey = await contractor(a.t.path, [
    'verify',
    a.artifactPath,
    '--attestation',
    a.envelopePath,
  ]);
  fails(noKey, USAGE, /required option '--key <pem>' not specified/);
  a.t.remove();
});

test('a local run signed with a key made on first use verifies with `contractor verify`', async () => {
  const t = tempDir();
  const home = join(t.path, 'home');
  const out = join(t.path, 'out');
  const req = { ...jobRequest(out), commit: 'd'.repeat(40) };
  const result = await withLocalSigning(stubExecutor(), home)(req);
  const keyPath = join(t.path, 'local.pub');
  writeFileSync(
    keyPath,
    (await contractor(t.path, ['keys', 'public'], { CONTRACTOR_HOME: home })).stdout,
  );
  const r = await contractor(t.path, [
    'verify',
    join(out, 'artifacts', 'digest.txt'),
    '--attestation',
    join(out, 'attestation.intoto.jsonl'),
    '--key',
    keyPath,
  ]);
  assert.equal(result.attestation, join(out, 'attestation.intoto.jsonl'));
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /is subject "digest\.txt"/);
  t.remove();
});

/** A run through the local signer, its artifact, and a verify of it with the given public key. */
async function signedStub(exec: ReturnType<typeof stubExecutor>, origin = TEST_ORIGIN) {
  const t = tempDir();
  const home = join(t.path, 'home');
  const out = join(t.path, 'out');
  const result = await withLocalSigning(
    exec,
    home,
  )({ ...jobRequest(out, { origin }), commit: 'd'.repeat(40) });
  const keyFile = async (untrusted: boolean): Promise<string> => {
    const path = join(t.path, untrusted ? 'untrusted.pub' : 'trusted.pub');
    const args = ['keys', 'public', ...(untrusted ? ['--untrusted'] : [])];
    const printed = await contractor(t.path, args, { CONTRACTOR_HOME: home });
    assert.equal(printed.exitCode, 0, printed.stderr);
    writeFileSync(path, printed.stdout);
    return path;
  };
  const verify = (key: string, ...flags: string[]) =>
    contractor(t.path, [
      'verify',
      join(out, 'artifacts', 'digest.txt'),
      '--attestation',
      join(out, 'attestation.intoto.jsonl'),
      '--key',
      key,
      ...flags,
    ]);
  return { t, result, keyFile, verify };
}

test("verify on a failed run's output finds no attestation", async () => {
  // A passed run first, so a key exists to verify with: the failed run must still not sign.
  const passed = await signedStub(stubExecutor());
  const key = await passed.keyFile(false);
  const failed = await signedStub(stubExecutor({ status: 'failed' }));
  assert.equal(failed.result.attestation, null);
  fails(
    await failed.verify(key),
    USAGE,
    /cannot read the attestation .*attestation\.intoto\.jsonl \(ENOENT\)/,
  );
  passed.t.remove();
  failed.t.remove();
});

test("a fork build's artifact verified with --builder of the trusted builder fails naming the builder", async () => {
  const fork = {
    ...TEST_ORIGIN,
    ref: 'refs/pull/7/head',
    event: 'pull_request',
    trusted: false,
  } as const;
  const s = await signedStub(stubExecutor(), fork);
  const untrusted = await s.keyFile(true);
  assert.equal((await s.verify(untrusted)).exitCode, 0);
  fails(
    await s.verify(untrusted, '--builder', TRUSTED_BUILDER_ID),
    VERIFY_FAILED,
    /^not verified: .*builder mismatch: the attestation names builder "https:\/\/contractor\.invalid\/builders\/untrusted\/v1", and "https:\/\/contractor\.invalid\/builders\/trusted\/v1" was required/,
  );
  // Nor does the trusted key verify it at all.
  fails(await s.verify(await s.keyFile(false)), VERIFY_FAILED, /signature invalid/);
  s.t.remove();
});

test('verify --repo, --ref, --commit and --builder accept what was built and name the field that differs', async () => {
  const s = await signedStub(stubExecutor());
  const key = await s.keyFile(false);
  const ok = await s.verify(
    key,
    '--repo',
    TEST_ORIGIN.repository,
    '--ref',
    'main',
    '--commit',
    'd'.repeat(40),
    '--builder',
    TRUSTED_BUILDER_ID,
  );
  assert.equal(ok.exitCode, 0, ok.stderr);
  fails(
    await s.verify(key, '--repo', 'https://git.example/evil/hello'),
    VERIFY_FAILED,
    /repository mismatch: .*"https:\/\/git\.example\/team\/hello".*"https:\/\/git\.example\/evil\/hello"/,
  );
  fails(
    await s.verify(key, '--ref', 'release'),
    VERIFY_FAILED,
    /ref mismatch: .*"refs\/heads\/main".*"release"/,
  );
  fails(
    await s.verify(key, '--commit', 'e'.repeat(40)),
    VERIFY_FAILED,
    /commit mismatch: .*"d{40}".*"e{40}"/,
  );
  s.t.remove();
});

test.run();
