// Local runs sign what they built with the user's key, made on first use, beside result.json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import { readPublicKeyPem } from '../../src/attest/public-key.js';
import { verifyArtifact } from '../../src/attest/verify-artifact.js';
import type { JobExecutor } from '../../src/manager/executor.js';
import type { JobRequest, JobResult, RunStatus } from '../../src/manager/job.js';
import { TRUSTED_BUILDER_ID, UNTRUSTED_BUILDER_ID } from '../../src/attest/source-origin.js';
import { withLocalSigning } from '../../src/manager/local-signing.js';
import { jobRequest, TEST_ORIGIN } from '../helpers/in-process-manager.js';
import { stubExecutor } from '../helpers/stub-executor.js';
import { tempDir } from '../helpers/tmp.js';

const COMMIT = 'c'.repeat(40);

async function signedRun(
  home: string,
  run: JobExecutor = stubExecutor(),
  commit: string | null = COMMIT,
  extra: Partial<JobRequest> = {},
) {
  const out = tempDir();
  // null: a snapshot of a working tree or directory, which has no commit.
  const req = { ...jobRequest(out.path), ...(commit ? { commit } : {}), ...extra };
  const result = await withLocalSigning(run, home)(req);
  return { out, result, artifact: join(out.path, 'artifacts', 'digest.txt') };
}

async function verifies(result: JobResult, artifact: string, home: string) {
  assert.ok(result.attestation, 'the result names no attestation');
  return verifyArtifact({
    artifactPath: artifact,
    attestationPath: result.attestation,
    publicKeyPem: await readPublicKeyPem(home),
  });
}

test('signs a run with artifacts using a key made on first use, verifiable with its public key', async () => {
  const home = tempDir();
  const { out, result, artifact } = await signedRun(home.path);
  assert.equal(result.attestation, join(out.path, 'attestation.intoto.jsonl'));
  assert.ok(existsSync(join(out.path, 'attestation.sigstore.json')));
  assert.equal(statSync(join(home.path, 'keys', 'contractor.key')).mode & 0o777, 0o600);
  const verified = await verifies(result, artifact, home.path);
  assert.equal(verified.subject.name, 'digest.txt');
  const predicate = verified.statement.predicate as {
    buildDefinition: {
      externalParameters: Record<string, unknown>;
      internalParameters: { host: string };
    };
    runDetails: { builder: { id: string } };
  };
  assert.equal(predicate.runDetails.builder.id, TRUSTED_BUILDER_ID);
  assert.equal(predicate.buildDefinition.internalParameters.host, `local://${hostname()}`);
  assert.equal(predicate.buildDefinition.externalParameters.commit, COMMIT);
  assert.equal(predicate.buildDefinition.externalParameters.repository, TEST_ORIGIN.repository);
  assert.equal(predicate.buildDefinition.externalParameters.ref, TEST_ORIGIN.ref);
  assert.equal(predicate.buildDefinition.externalParameters.event, 'local');
  const bundle = join(out.path, 'attestation.sigstore.json');
  await verifyArtifact({
    artifactPath: artifact,
    attestationPath: bundle,
    publicKeyPem: await readPublicKeyPem(home.path),
  });
  out.remove();
  home.remove();
});

test('rewrites result.json in the out dir so it names the attestation', async () => {
  const home = tempDir();
  const { out, result } = await signedRun(home.path);
  const written = JSON.parse(readFileSync(join(out.path, 'result.json'), 'utf8'));
  assert.deepEqual(written, result);
  assert.equal(written.attestation, join(out.path, 'attestation.intoto.jsonl'));
  out.remove();
  home.remove();
});

test('later runs sign with the key the first run made', async () => {
  const home = tempDir();
  const first = await signedRun(home.path);
  const publicPem = await readPublicKeyPem(home.path);
  const second = await signedRun(home.path);
  assert.equal(await readPublicKeyPem(home.path), publicPem);
  await verifies(first.result, first.artifact, home.path);
  await verifies(second.result, second.artifact, home.path);
  first.out.remove();
  second.out.remove();
  home.remove();
});

test('first runs at the same time end with one key pair that verifies all of them', async () => {
  const home = tempDir();
  const runs = await Promise.all([1, 2, 3, 4].map(() => signedRun(home.path)));
  for (const r of runs) await verifies(r.result, r.artifact, home.path);
  runs.forEach((r) => r.out.remove());
  home.remove();
});

test('signs a --worktree snapshot by its git tree id', async () => {
  const home = tempDir();
  const stub = stubExecutor();
  const TREE = 'd'.repeat(40);
  const worktree: JobExecutor = async (req) => ({ ...(await stub(req)), commit: null, tree: TREE });
  const run = await signedRun(home.path, worktree, null);
  const verified = await verifies(run.result, run.artifact, home.path);
  assert.ok(verified);
  const envelope = JSON.parse(readFileSync(run.result.attestation ?? '', 'utf8')) as {
    payload: string;
  };
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as {
    predicate: { buildDefinition: { resolvedDependencies: { digest: Record<string, string> }[] } };
  };
  assert.deepEqual(statement.predicate.buildDefinition.resolvedDependencies[0]?.digest, {
    gitTree: TREE,
  });
  run.out.remove();
  home.remove();
});

test('signs a commit by its id and its tree, so --tree checks a local run as a remote one', async () => {
  const home = tempDir();
  const stub = stubExecutor();
  const TREE = 'e'.repeat(40);
  const commitRun: JobExecutor = async (req) => ({ ...(await stub(req)), tree: TREE });
  const run = await signedRun(home.path, commitRun);
  const verified = await verifies(run.result, run.artifact, home.path);
  const p = verified.statement.predicate as {
    buildDefinition: { resolvedDependencies: { digest: Record<string, string> }[] };
  };
  assert.deepEqual(p.buildDefinition.resolvedDependencies[0]?.digest, {
    gitCommit: COMMIT,
    gitTree: TREE,
  });
  run.out.remove();
  home.remove();
});

test('leaves a run with neither commit nor tree, or without artifacts, unsigned and makes no key', async () => {
  const home = tempDir();
  const stub = stubExecutor();
  const noArtifacts: JobExecutor = async (req) => ({ ...(await stub(req)), artifacts: [] });
  const snapshot = await signedRun(home.path, stub, null);
  const empty = await signedRun(home.path, noArtifacts);
  for (const { out, result } of [snapshot, empty]) {
    assert.equal(result.attestation, null);
    assert.equal(existsSync(join(out.path, 'attestation.intoto.jsonl')), false);
    out.remove();
  }
  assert.equal(existsSync(join(home.path, 'keys')), false);
  home.remove();
});

function assertUnsigned(out: { path: string }, result: JobResult): void {
  assert.equal(result.attestation, null);
  assert.equal(existsSync(join(out.path, 'attestation.intoto.jsonl')), false);
  assert.equal(existsSync(join(out.path, 'attestation.sigstore.json')), false);
}

test('a run that failed, violated, hit a limit or errored is not signed, and makes no key', async () => {
  const home = tempDir();
  for (const status of ['failed', 'violation', 'limit', 'error'] as RunStatus[]) {
    const { out, result } = await signedRun(home.path, stubExecutor({ status }));
    assert.equal(result.status, status);
    assertUnsigned(out, result);
    out.remove();
  }
  assert.equal(existsSync(join(home.path, 'keys')), false);
  home.remove();
});

test('an --audit run is not signed even though it passed', async () => {
  const home = tempDir();
  const { out, result } = await signedRun(home.path, stubExecutor(), COMMIT, { audit: true });
  assert.equal(result.status, 'passed');
  assertUnsigned(out, result);
  out.remove();
  home.remove();
});

test('an untrusted origin is signed with the untrusted key as the untrusted builder, never the trusted key', async () => {
  const home = tempDir();
  const origin = {
    ...TEST_ORIGIN,
    ref: 'refs/pull/7/head',
    event: 'pull_request',
    trusted: false,
  } as const;
  const { out, result, artifact } = await signedRun(home.path, stubExecutor(), COMMIT, { origin });
  assert.ok(result.attestation);
  const verified = await verifyArtifact({
    artifactPath: artifact,
    attestationPath: result.attestation,
    publicKeyPem: await readPublicKeyPem(home.path, 'untrusted'),
  });
  const predicate = verified.statement.predicate as { runDetails: { builder: { id: string } } };
  assert.equal(predicate.runDetails.builder.id, UNTRUSTED_BUILDER_ID);
  await assert.rejects(verifies(result, artifact, home.path), /signature invalid/);
  out.remove();
  home.remove();
});

test('a job that names no origin is not signed: there is no repository to name', async () => {
  const home = tempDir();
  const { out, result } = await signedRun(home.path, stubExecutor(), COMMIT, { origin: undefined });
  assertUnsigned(out, result);
  out.remove();
  home.remove();
});

test.run();
