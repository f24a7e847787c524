// Issue 6's acceptance: the bundled example, built as a user builds it (contractor build in a
// copy of examples/hello, in the namespace driver), is signed; `contractor verify` and an
// implementation not written here (@sigstore/verify on the bundle) accept its artifact, and
// both refuse a tampered copy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyIdOf } from '../../src/attest/key-id.js';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { sigstoreVerify } from '../helpers/sigstore-verify.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../../examples/hello/', import.meta.url));

/**
 * The independent check: @sigstore/verify checks the bundle's signature, then the artifact's
 * sha256, computed here, must be a subject of the statement it verified.
 */
function independentlyVerify(bundlePath: string, artifact: Buffer, publicKeyPem: string): void {
  const json = JSON.parse(readFileSync(bundlePath, 'utf8')) as {
    dsseEnvelope: { payload: string };
  };
  sigstoreVerify(json, keyIdOf(publicKeyPem), publicKeyPem);
  const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString()) as {
    subject: { digest: { sha256: string } }[];
  };
  const digest = createHash('sha256').update(artifact).digest('hex');
  if (!statement.subject.some((x) => x.digest.sha256 === digest))
    throw new Error(`sha256:${digest} is not a subject`);
}

test('examples/hello is built, signed, verified twice over, and a tampered copy is refused', async () => {
  const home = tempDir('contractor-hello-home-');
  const work = tempDir('contractor-hello-');
  try {
    cpSync(join(HELLO, 'hello.c'), join(work.path, 'hello.c'));
    cpSync(join(HELLO, 'hello.yaml'), join(work.path, 'hello.yaml'));
    const env = { CONTRACTOR_HOME: home.path };
    const built = await contractor(work.path, ['build', 'hello.yaml', '--json'], env);
    assert.equal(built.exitCode, 0, built.stderr);
    const r = JSON.parse(built.stdout) as { attestation: string | null; outDir: string };
    assert.ok(r.attestation, 'the result names no attestation');
    const artifact = join(r.outDir, 'artifacts', 'hello');
    const bundle = join(r.outDir, 'attestation.sigstore.json');
    writeFileSync(
      join(work.path, 'pub.pem'),
      (await contractor(work.path, ['keys', 'public'], env)).stdout,
    );
    const pem = readFileSync(join(work.path, 'pub.pem'), 'utf8');

    const ok = await contractor(
      work.path,
      ['verify', artifact, '--attestation', r.attestation, '--key', 'pub.pem'],
      env,
    );
    assert.equal(ok.exitCode, 0, ok.stderr + ok.stdout);
    independentlyVerify(bundle, readFileSync(artifact), pem);

    const tampered = join(work.path, 'hello-tampered');
    writeFileSync(tampered, Buffer.concat([readFileSync(artifact), Buffer.from('x')]));
    assert.throws(
      () => independentlyVerify(bundle, readFileSync(tampered), pem),
      /is not a subject/,
    );
    const bad = await contractor(
      work.path,
      ['verify', tampered, '--attestation', r.attestation, '--key', 'pub.pem'],
      env,
    );
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stdout + bad.stderr, /digest not among subjects/);
    // A bundle whose statement was changed to name the tampered copy fails the signature check.
    const forged = JSON.parse(readFileSync(bundle, 'utf8')) as {
      dsseEnvelope: { payload: string };
    };
    const statement = JSON.parse(Buffer.from(forged.dsseEnvelope.payload, 'base64').toString()) as {
      subject: { digest: { sha256: string } }[];
    };
    statement.subject[0]!.digest.sha256 = 'f'.repeat(64);
    forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const forgedPath = join(work.path, 'forged.sigstore.json');
    writeFileSync(forgedPath, JSON.stringify(forged));
    assert.throws(() => independentlyVerify(forgedPath, readFileSync(tampered), pem));
  } finally {
    home.remove();
    work.remove();
  }
});

test('a run of a commit names its remote (without the token), ref and commit; a failed commit has no attestation', async () => {
  const home = tempDir('contractor-hello-home-');
  const repo = makeRepo({
    'hello.c': readFileSync(join(HELLO, 'hello.c'), 'utf8'),
    '.contractor.yaml': 'build: |\n  gcc hello.c -o hello\n  ./hello\nartifacts:\n  - hello\n',
  });
  try {
    const commit = repo.commitAll('hello');
    repo.git('remote', 'add', 'origin', 'https://someone:tok_secret@git.example/team/hello.git');
    const env = { CONTRACTOR_HOME: home.path };
    const built = await contractor(repo.path, ['run', '--json', '--no-cache'], env);
    assert.equal(built.exitCode, 0, built.stderr);
    const r = JSON.parse(built.stdout) as { attestation: string | null; outDir: string };
    assert.ok(r.attestation, 'the result names no attestation');
    assert.doesNotMatch(readFileSync(r.attestation, 'utf8'), /tok_secret/);
    const statement = JSON.parse(
      Buffer.from(JSON.parse(readFileSync(r.attestation, 'utf8')).payload, 'base64').toString(),
    );
    assert.doesNotMatch(JSON.stringify(statement), /tok_secret|someone/);
    writeFileSync(
      join(home.path, 'pub.pem'),
      (await contractor(repo.path, ['keys', 'public'], env)).stdout,
    );
    const verify = (...flags: string[]) =>
      contractor(repo.path, [
        'verify',
        join(r.outDir, 'artifacts', 'hello'),
        '--attestation',
        r.attestation as string,
        '--key',
        join(home.path, 'pub.pem'),
        ...flags,
      ]);
    const ok = await verify(
      '--repo',
      'https://git.example/team/hello',
      '--ref',
      'main',
      '--commit',
      commit,
      '--builder',
      'https://contractor.invalid/builders/trusted/v1',
    );
    assert.equal(ok.exitCode, 0, ok.stderr);

    repo.write('.contractor.yaml', 'build: exit 3\nartifacts:\n  - hello\n');
    repo.commitAll('broken');
    const failed = await contractor(repo.path, ['run', '--json', '--no-cache'], env);
    assert.notEqual(failed.exitCode, 0);
    const f = JSON.parse(failed.stdout) as {
      status: string;
      attestation: string | null;
      outDir: string;
    };
    assert.equal(f.status, 'failed');
    assert.equal(f.attestation, null);
    assert.equal(existsSync(join(f.outDir, 'attestation.intoto.jsonl')), false);
    assert.equal(existsSync(join(f.outDir, 'attestation.sigstore.json')), false);
  } finally {
    home.remove();
    repo.remove();
  }
});

test.run();
