import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import { ContractorError } from '../../src/errors.js';
import type { JobRequest } from '../../src/manager/job.js';
import { readFrames, type Frame } from '../../src/manager/remote/frame.js';
import { FrameWriter } from '../../src/manager/remote/frame-writer.js';
import { helloFrame } from '../../src/manager/remote/hello.js';
import { jobFrameFor, runRemoteAttempt } from '../../src/manager/remote/remote-attempt.js';
import { initKeys } from '../../src/attest/init-keys.js';
import { readPublicKeyPem } from '../../src/attest/public-key.js';
import { verifyArtifact } from '../../src/attest/verify-artifact.js';
import { signWithManagerKey } from '../../src/manager/remote/manager-signing.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { TRUSTED_BUILDER_ID, UNTRUSTED_BUILDER_ID } from '../../src/attest/source-origin.js';
import {
  hostileManager,
  jobRequest,
  serveInProcess,
  TEST_ORIGIN,
} from '../helpers/in-process-manager.js';
import { stubExecutor } from '../helpers/stub-executor.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRepo } from '../helpers/git-repo.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

test('a job crosses the protocol: events in order, the artifact checked, the result in the client outDir', async () => {
  const out = tempDir();
  const m = serveInProcess(stubExecutor({ lines: 3 }));
  const source = Buffer.alloc(3 * 1024 ** 2, 7);
  const req = jobRequest(out.path, { source });
  const result = await runRemoteAttempt(await m.session(), req);
  assert.equal(result.status, 'passed');
  assert.equal(result.outDir, out.path);
  assert.equal(result.log, join(out.path, 'log.txt'));
  assert.equal(readFileSync(join(out.path, 'artifacts/digest.txt'), 'utf8'), sha(source));
  assert.match(readFileSync(join(out.path, 'log.txt'), 'utf8'), /line 2 of 3145728 bytes/);
  assert.deepEqual(JSON.parse(readFileSync(join(out.path, 'result.json'), 'utf8')), result);
  assert.deepEqual(
    req.events.map((e) => (e as { type: string }).type),
    ['phase', 'output', 'output', 'output'],
  );
  assert.equal((await m.served)?.status, 'passed');
  out.remove();
});

test('a source under src/ is sent so and reaches the manager’s job as it is, to be used unstaged', async () => {
  for (const under of [true, false]) {
    const out = tempDir();
    let seen: JobRequest | undefined;
    const m = serveInProcess(stubExecutor({ onStart: (r) => (seen = r) }));
    const atRoot = Buffer.from('the tree at its root');
    const underSrc = Buffer.from('the same tree under src/');
    const req = {
      ...jobRequest(out.path, { source: atRoot }),
      ...(under ? { sourceUnderSrc: () => Readable.from([underSrc]) } : {}),
    };
    await runRemoteAttempt(await m.session(), req);
    const sent = under ? underSrc : atRoot;
    assert.equal(readFileSync(join(out.path, 'artifacts/digest.txt'), 'utf8'), sha(sent));
    assert.equal(seen?.sourceUnderSrc !== undefined, under, 'under src/ exactly when sent so');
    assert.equal(seen?.source !== undefined, !under);
    out.remove();
  }
});

test('the manager signs with its own key; the attestation arrives and verifies the artifact', async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  const m = serveInProcess(stubExecutor(), { sign: signWithManagerKey(home.path) });
  const req = { ...jobRequest(out.path), commit: 'a'.repeat(40) };
  const result = await runRemoteAttempt(await m.session(), req);
  assert.equal(result.attestation, join(out.path, 'attestation.intoto.jsonl'));
  const verified = await verifyArtifact({
    artifactPath: join(out.path, 'artifacts', 'digest.txt'),
    attestationPath: result.attestation as string,
    publicKeyPem: await readPublicKeyPem(home.path),
  });
  assert.equal(verified.subject.name, 'digest.txt');
  assert.ok(existsSync(join(out.path, 'attestation.sigstore.json')));
  out.remove();
  home.remove();
});

/** A commit's archive under src/, as git contractor run sends it, with its commit and tree. */
function committedSource(files: Record<string, string>) {
  const repo = makeRepo(files);
  const commit = repo.commitAll('source');
  const archive = execFileSync('git', ['-C', repo.path, 'archive', '--prefix=src/', 'HEAD']);
  const tree = repo.git('rev-parse', 'HEAD^{tree}');
  repo.remove();
  return { commit, tree, archive };
}

async function signedSource(req: JobRequest, home: string) {
  const result = await managerSigned(home, req);
  if (!result.attestation) return { result, predicate: undefined };
  const verified = await verifyArtifact({
    artifactPath: join(req.outDir, 'artifacts', 'digest.txt'),
    attestationPath: result.attestation,
    publicKeyPem: await readPublicKeyPem(home),
  });
  return { result, predicate: verified.statement.predicate as SignedPredicate };
}

test('the manager signs the git tree it computed from the archive it received, beside its sha256', async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  const { commit, tree, archive } = committedSource({ 'main.c': 'int main(void){return 0;}\n' });
  const req = {
    ...jobRequest(out.path),
    sourceUnderSrc: () => Readable.from([archive]),
    commit,
    tree,
  };
  const { predicate } = await signedSource(req, home.path);
  const source = predicate?.buildDefinition.resolvedDependencies[0];
  assert.deepEqual(source?.digest, { sha256: sha(archive), gitTree: tree });
  assert.equal(predicate?.buildDefinition.externalParameters.commit, commit);
  out.remove();
  home.remove();
});

test('a client that names another tree than the archive it sent gets no signature naming its claim', async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  const sent = committedSource({ 'main.c': 'backdoored\n' });
  const claimed = committedSource({ 'main.c': 'reviewed\n' });
  const req = {
    ...jobRequest(out.path),
    sourceUnderSrc: () => Readable.from([sent.archive]),
    commit: claimed.commit,
    tree: claimed.tree,
  };
  const { result } = await signedSource(req, home.path);
  assert.equal(result.status, 'passed');
  assert.equal(result.attestation, null);
  assert.equal(existsSync(join(out.path, 'attestation.intoto.jsonl')), false);
  const said = JSON.stringify(req.events);
  assert.match(
    said,
    new RegExp(`not signed: the source this manager received is git tree ${sent.tree}`),
  );
  assert.match(said, new RegExp(`commit ${claimed.commit}, tree ${claimed.tree}`));
  out.remove();
  home.remove();
});

test('a source that is not git archive output is signed by its sha256 alone, saying why it has no tree', async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  const req = { ...jobRequest(out.path), commit: 'a'.repeat(40), tree: 'b'.repeat(40) };
  const { predicate } = await signedSource(req, home.path);
  const source = predicate?.buildDefinition.resolvedDependencies[0];
  assert.deepEqual(Object.keys(source?.digest ?? {}), ['sha256']);
  assert.match(String(source?.annotations?.gitTree), /^not computed: /);
  out.remove();
  home.remove();
});

test('a manager without a signing key sends the result unsigned', async () => {
  const out = tempDir();
  const home = tempDir();
  const m = serveInProcess(stubExecutor(), { sign: signWithManagerKey(home.path) });
  const req = { ...jobRequest(out.path), commit: 'a'.repeat(40) };
  const result = await runRemoteAttempt(await m.session(), req);
  assert.equal(result.attestation, null);
  assert.equal(existsSync(join(out.path, 'attestation.intoto.jsonl')), false);
  out.remove();
  home.remove();
});

interface SignedPredicate {
  buildDefinition: {
    externalParameters: Record<string, unknown>;
    resolvedDependencies: {
      uri?: string;
      digest: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  };
  runDetails: { builder: { id: string } };
}

async function managerSigned(home: string, req: JobRequest, exec = stubExecutor()) {
  const m = serveInProcess(exec, { sign: signWithManagerKey(home) });
  return runRemoteAttempt(await m.session(), req);
}

test("the manager signs the sha256 of the source it received, not the client's commit, and the client's origin", async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  const source = Buffer.from('the archive as it crossed the channel');
  const req = { ...jobRequest(out.path, { source }), commit: 'a'.repeat(40) };
  const result = await managerSigned(home.path, req);
  const verified = await verifyArtifact({
    artifactPath: join(out.path, 'artifacts', 'digest.txt'),
    attestationPath: result.attestation as string,
    publicKeyPem: await readPublicKeyPem(home.path),
    expected: { builder: TRUSTED_BUILDER_ID, repository: TEST_ORIGIN.repository, ref: 'main' },
  });
  const p = verified.statement.predicate as SignedPredicate;
  assert.deepEqual(p.buildDefinition.resolvedDependencies[0]?.digest, { sha256: sha(source) });
  // The commit is the client's request, signed as an external parameter, not as what was built.
  assert.equal(p.buildDefinition.externalParameters.commit, 'a'.repeat(40));
  assert.equal(p.buildDefinition.externalParameters.event, 'local');
  out.remove();
  home.remove();
});

test("a fork's job is signed with the manager's untrusted key as the untrusted builder", async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  const origin = { ...TEST_ORIGIN, event: 'pull_request', trusted: false } as const;
  const req = { ...jobRequest(out.path, { origin }), commit: 'a'.repeat(40) };
  const result = await managerSigned(home.path, req);
  const check = (key: string) =>
    verifyArtifact({
      artifactPath: join(out.path, 'artifacts', 'digest.txt'),
      attestationPath: result.attestation as string,
      publicKeyPem: key,
    });
  await assert.rejects(check(await readPublicKeyPem(home.path)), /signature invalid/);
  const verified = await check(await readPublicKeyPem(home.path, 'untrusted'));
  assert.equal(
    (verified.statement.predicate as SignedPredicate).runDetails.builder.id,
    UNTRUSTED_BUILDER_ID,
  );
  out.remove();
  home.remove();
});

test('a manager with only the trusted key leaves a fork job unsigned rather than sign it as trusted', async () => {
  const out = tempDir();
  const home = tempDir();
  await initKeys(home.path);
  rmSync(join(home.path, 'keys', 'untrusted.key'));
  const origin = { ...TEST_ORIGIN, event: 'pull_request', trusted: false } as const;
  const result = await managerSigned(home.path, {
    ...jobRequest(out.path, { origin }),
    commit: 'a'.repeat(40),
  });
  assert.equal(result.status, 'passed');
  assert.equal(result.attestation, null);
  out.remove();
  home.remove();
});

test('a manager signs no failed job', async () => {
  const home = tempDir();
  await initKeys(home.path);
  for (const exec of [stubExecutor({ status: 'failed' }), stubExecutor({ status: 'violation' })]) {
    const out = tempDir();
    const req = { ...jobRequest(out.path), commit: 'a'.repeat(40) };
    const result = await managerSigned(home.path, req, exec);
    assert.equal(result.attestation, null);
    assert.equal(existsSync(join(out.path, 'attestation.intoto.jsonl')), false);
    out.remove();
  }
  home.remove();
});

test('a manager refuses an --audit job before it starts: it never builds, signs or returns one', async () => {
  const out = tempDir();
  let started = false;
  const m = serveInProcess(stubExecutor({ onStart: () => (started = true) }));
  await assert.rejects(
    runRemoteAttempt(await m.session(), { ...jobRequest(out.path), audit: true }),
    /this manager does not run --audit jobs/,
  );
  await assert.rejects(m.served, /does not run --audit jobs/);
  assert.equal(started, false);
  out.remove();
});

test('a version mismatch is refused on both sides, each naming both versions', async () => {
  const m = serveInProcess(stubExecutor());
  await assert.rejects(
    m.session(99),
    /manager m1 speaks contractor protocol 2 \(contractor [^)]+\); this client speaks protocol 99/,
  );
  await assert.rejects(
    m.served,
    /refused a client speaking contractor protocol 99 .*this manager speaks protocol 2/,
  );
});

test('the manager narrows the client policy to its own ceilings', async () => {
  const out = tempDir();
  let seen = 0;
  const m = serveInProcess(stubExecutor({ onStart: (r) => (seen = r.policy.limits.memoryBytes) }), {
    ceiling: { ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, memoryBytes: 1024 ** 3 } },
  });
  await runRemoteAttempt(await m.session(), jobRequest(out.path));
  assert.equal(seen, 1024 ** 3);
  out.remove();
});

test('a host the manager policy does not allow is refused before the job is accepted', async () => {
  const out = tempDir();
  let accepted = false;
  const m = serveInProcess(stubExecutor());
  const req = jobRequest(out.path, {
    spec: 'build: make\nnetwork:\n  allow: [example.com]\n',
    policy: { allow: ['example.com'] },
  });
  await assert.rejects(
    runRemoteAttempt(await m.session(), req, { onAccepted: () => (accepted = true) }),
    (err: ContractorError) =>
      err.code === 'POLICY' && /does not allow example\.com/.test(err.message),
  );
  assert.equal(accepted, false);
  out.remove();
});

test('a source larger than the manager disk ceiling is refused', async () => {
  const out = tempDir();
  const m = serveInProcess(stubExecutor(), {
    ceiling: { ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, diskBytes: 100_000 } },
  });
  await assert.rejects(
    runRemoteAttempt(await m.session(), jobRequest(out.path, { source: Buffer.alloc(1024 ** 2) })),
    /larger than this manager's disk limit of 100000 bytes/,
  );
  out.remove();
});

test('closing the channel cancels the running job', async () => {
  const out = tempDir();
  let cancelled = false;
  const controller = new AbortController();
  const m = serveInProcess(
    stubExecutor({
      hang: true,
      onStart: (r) => {
        r.signal?.addEventListener('abort', () => (cancelled = true));
        setTimeout(() => controller.abort(), 50);
      },
    }),
  );
  const req = jobRequest(out.path, { signal: controller.signal });
  await assert.rejects(runRemoteAttempt(await m.session(), req), /the job was cancelled/);
  assert.equal(await m.served, undefined);
  assert.equal(cancelled, true);
  out.remove();
});

/** A client that speaks raw frames, to send what an honest client never would. */
function rawClient() {
  const m = serveInProcess(stubExecutor());
  const writer = new FrameWriter(m.pipes.toManager);
  const frames = readFrames(m.pipes.fromManager)[Symbol.asyncIterator]();
  const nextControl = async (): Promise<Record<string, unknown>> => {
    const { value } = await frames.next();
    return (value as Frame & { kind: 'control' }).value as Record<string, unknown>;
  };
  return { m, writer, nextControl };
}

test('the manager refuses a job whose id could name a path', async () => {
  const c = rawClient();
  await c.writer.control(helloFrame('client'));
  const job = jobFrameFor(jobRequest('/nonexistent'));
  await c.writer.control({ ...job, id: '../../etc/cron.d/x' });
  assert.equal((await c.nextControl()).type, 'hello');
  const err = await c.nextControl();
  assert.equal(err.type, 'error');
  assert.match(String(err.message), /malformed job frame: \/id must match pattern/);
  await assert.rejects(c.m.served, /malformed job frame/);
});

test('the manager refuses a source that arrives damaged', async () => {
  const c = rawClient();
  await c.writer.control(helloFrame('client'));
  await c.writer.control(jobFrameFor(jobRequest('/nonexistent')));
  await c.writer.data(Buffer.from('tar bytes'));
  await c.writer.control({ type: 'source-end', bytes: 9, sha256: sha('other bytes') });
  await assert.rejects(c.m.served, /the source arrived damaged/);
});

test('the manager gives up on a client that never sends its job', async () => {
  const m = serveInProcess(stubExecutor(), { idleMs: 100 });
  const writer = new FrameWriter(m.pipes.toManager);
  await writer.control(helloFrame('client'));
  await assert.rejects(m.served, /the client sent no job frame within 100 ms/);
});

test('the manager refuses data before the job', async () => {
  const c = rawClient();
  await c.writer.control(helloFrame('client'));
  await c.writer.data(Buffer.from('x'));
  await assert.rejects(c.m.served, /expected a job frame from the client, got data/);
});

test('the manager refuses an oversized frame without reading it', async () => {
  const c = rawClient();
  await c.writer.control(helloFrame('client'));
  const header = Buffer.alloc(5);
  header.writeUInt32BE(2 ** 31, 0);
  header[4] = 1;
  c.m.pipes.toManager.write(header);
  await assert.rejects(c.m.served, /control frame of 2147483647 bytes/);
});

/** Each hostile test's output directory, removed when the file is done. */
const hostileOuts: ReturnType<typeof tempDir>[] = [];
test.after(() => hostileOuts.forEach((d) => d.remove()));

/** A hostile manager's script against a plain job. */
const hostile = (script: (w: FrameWriter) => Promise<void>) => {
  const out = tempDir();
  hostileOuts.push(out);
  return hostileManager(script, jobRequest(out.path));
};

test('the client refuses a file from the manager outside its output directory', async () => {
  const { run, job } = await hostile(async (w) => {
    await w.control({ type: 'file', path: 'artifacts/../../evil', size: 1, sha256: sha('x') });
    await w.data(Buffer.from('x'));
  });
  await assert.rejects(
    run,
    /outside log\.txt, attestation\.intoto\.jsonl, attestation\.sigstore\.json, workspace\.tar and artifacts\//,
  );
  assert.equal(existsSync(join(job.outDir, '..', 'evil')), false);
});

test('the client refuses a top-level file other than the log and the two attestation files', async () => {
  const { run, job } = await hostile(async (w) => {
    await w.control({ type: 'file', path: 'result.json', size: 2, sha256: sha('{}') });
    await w.data(Buffer.from('{}'));
  });
  await assert.rejects(run, /sent a file named "result\.json", outside/);
  assert.equal(existsSync(join(job.outDir, 'result.json')), false);
});

test('the client refuses an artifact whose bytes do not match the promised sha256', async () => {
  const { run, job } = await hostile(async (w) => {
    await w.control({ type: 'file', path: 'artifacts/app', size: 4, sha256: sha('good') });
    await w.data(Buffer.from('evil'));
  });
  await assert.rejects(run, /artifacts\/app arrived with sha256 [0-9a-f]{64}, not the/);
  assert.equal(existsSync(join(job.outDir, 'artifacts/app')), false);
});

test('the client refuses a file longer than the manager promised', async () => {
  const { run } = await hostile(async (w) => {
    await w.control({ type: 'file', path: 'log.txt', size: 2, sha256: sha('ab') });
    await w.data(Buffer.from('abc'));
  });
  await assert.rejects(run, /log\.txt is longer than the 2 bytes promised/);
});

test('a repeated event is reported once', async () => {
  const event = (seq: number) => ({
    type: 'event',
    seq,
    event: { type: 'status', message: `event ${seq}` },
  });
  const { run, job } = await hostile(async (w) => {
    for (const seq of [0, 0, 1, 1, 0]) await w.control(event(seq));
    await w.control({ type: 'error', code: 'INFRASTRUCTURE', message: 'stop here' });
  });
  await assert.rejects(run, /stop here/);
  assert.deepEqual(
    (job as unknown as { events: { message: string }[] }).events.map((e) => e.message),
    ['event 0', 'event 1'],
  );
});

test('the client refuses a result whose artifacts never arrived', async () => {
  const { run } = await hostile(async (w) => {
    await w.control({
      type: 'result',
      result: { id: 'x', status: 'passed' },
    });
  });
  await assert.rejects(run, /the manager's result is malformed/);
});

test.run();
