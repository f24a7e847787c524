// A signing home and a job's provenance input shared by the attest tests.
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { initKeys } from '../../src/attest/init-keys.js';
import { loadSigner, type Signer } from '../../src/attest/signer.js';
import type { ProvenanceInput } from '../../src/attest/provenance.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { tempDir } from '../helpers/tmp.js';

export interface SigningHome {
  path: string;
  signer: Signer;
  remove: () => void;
}

export async function signingHome(): Promise<SigningHome> {
  const t = tempDir('contractor-attest-');
  await initKeys(t.path);
  return { path: t.path, signer: await loadSigner(t.path), remove: t.remove };
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes an artifact and returns a provenance input naming it and one other file. */
export function jobWithArtifact(
  dir: string,
  content = 'the built binary\n',
): {
  artifactPath: string;
  input: ProvenanceInput;
} {
  const artifactPath = join(dir, 'hello');
  writeFileSync(artifactPath, content);
  const input: ProvenanceInput = {
    artifacts: [
      { name: 'hello', sha256: sha256(content) },
      { name: 'out/readme.txt', sha256: sha256('readme') },
    ],
    origin: {
      repository: 'https://github.com/example/hello',
      ref: 'refs/heads/main',
      event: 'push',
      trusted: true,
    },
    commit: 'a'.repeat(40),
    sourceDigest: { gitCommit: 'a'.repeat(40) },
    specDigest: sha256('worker-image: debian\n'),
    policy: {
      ...DEFAULT_POLICY,
      image: 'worker',
      allow: ['deb.debian.org'],
      source: '/home/u/.config/contractor/policy.yaml',
    },
    driver: 'namespace',
    imageDigest: sha256('image'),
    host: 'ssh://manager.example',
    invocationId: 'job-1234',
    startedOn: new Date('2025-01-02T03:04:05.000Z'),
    finishedOn: '2025-01-02T03:05:06.000Z',
  };
  return { artifactPath, input };
}
