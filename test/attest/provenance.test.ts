import assert from 'node:assert/strict';
import { test } from 'uvu';
import { buildStatement } from '../../src/attest/provenance.js';
import { jobWithArtifact } from './fixture.js';
import { tempDir } from '../helpers/tmp.js';

test('names every artifact as a subject by sha256', () => {
  const t = tempDir();
  const { input } = jobWithArtifact(t.path);
  const statement = buildStatement(input);
  assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
  assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
  assert.deepEqual(
    statement.subject,
    input.artifacts.map((a) => ({ name: a.name, digest: { sha256: a.sha256 } })),
  );
  t.remove();
});

test('records the source, spec, policy, driver, image and builder as SLSA v1 fields', () => {
  const t = tempDir();
  const { input } = jobWithArtifact(t.path);
  const { buildDefinition, runDetails } = buildStatement(input).predicate;
  assert.equal(buildDefinition.buildType, 'https://contractor.invalid/buildtypes/job/v1');
  assert.deepEqual(buildDefinition.externalParameters, {
    repository: 'https://github.com/example/hello',
    ref: 'refs/heads/main',
    event: 'push',
    trusted: true,
    commit: input.commit,
    specDigest: input.specDigest,
    policy: input.policy,
  });
  assert.deepEqual(buildDefinition.internalParameters, {
    driver: 'namespace',
    host: 'ssh://manager.example',
  });
  assert.deepEqual(buildDefinition.resolvedDependencies, [
    {
      uri: 'git+https://github.com/example/hello@refs/heads/main',
      digest: { gitCommit: input.commit },
    },
    { name: 'worker-image', digest: { sha256: input.imageDigest } },
  ]);
  assert.deepEqual(runDetails, {
    builder: { id: 'https://contractor.invalid/builders/trusted/v1' },
    metadata: {
      invocationId: 'job-1234',
      startedOn: '2025-01-02T03:04:05.000Z',
      finishedOn: '2025-01-02T03:05:06.000Z',
    },
  });
  t.remove();
});

test("an untrusted source (a fork's pull request) is built by the untrusted builder id", () => {
  const t = tempDir();
  const { input } = jobWithArtifact(t.path);
  const fork = buildStatement({
    ...input,
    origin: { ...input.origin, ref: 'refs/pull/7/head', event: 'pull_request', trusted: false },
  }).predicate;
  assert.equal(fork.runDetails.builder.id, 'https://contractor.invalid/builders/untrusted/v1');
  assert.equal(fork.buildDefinition.externalParameters.trusted, false);
  assert.equal(fork.buildDefinition.externalParameters.event, 'pull_request');
  t.remove();
});

test('survives a JSON round trip unchanged, so the signed bytes say what the object said', () => {
  const t = tempDir();
  const statement = buildStatement(jobWithArtifact(t.path).input);
  assert.deepEqual(JSON.parse(JSON.stringify(statement)), statement);
  t.remove();
});

test.run();
