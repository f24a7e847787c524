// The manager signs what it built with its own key (contractor keys init on the manager host):
// a DSSE in-toto statement with SLSA provenance, and the same as a Sigstore bundle.
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { keyPaths } from '../../attest/key-paths.js';
import { loadSigner } from '../../attest/signer.js';
import { writeAttestation } from '../../attest/write-attestation.js';
import { workerImageDigest } from '../worker-image.js';
import type { AttestationHook } from './attestation-hook.js';

/** The builder id in the provenance: the manager host, as clients reach it. */
export function managerId(): string {
  return `ssh://${hostname()}`;
}

/**
 * Signs a result that has a commit. A manager without a key sends results unsigned, as a local
 * run does; `contractor keys init` on the manager host turns signing on.
 */
export function signWithManagerKey(home: string): AttestationHook {
  return async (result, outDir, job) => {
    if (!result.commit) return null;
    const hasKey = await access(keyPaths(home).privatePath).then(
      () => true,
      () => false,
    );
    if (!hasKey) return null;
    const dir = join(outDir, 'attestation');
    const paths = await writeAttestation(
      dir,
      {
        artifacts: result.artifacts.map((a) => ({ name: a.path, sha256: a.sha256 })),
        // The client names no repository URI yet; the commit id is what the statement binds.
        repository: `git+sha1:${result.commit}`,
        commit: result.commit,
        // Of the spec document as the manager received and built it.
        specDigest: createHash('sha256').update(JSON.stringify(job.spec.raw)).digest('hex'),
        policy: job.policy,
        driver: job.driver,
        imageDigest: await workerImageDigest(job.driver, job.spec.workerImage),
        managerId: managerId(),
        invocationId: result.id,
        startedOn: result.startedAt,
        finishedOn: result.finishedAt,
      },
      await loadSigner(home),
    );
    const envelope = relative(outDir, paths.envelopePath);
    return { envelope, files: [envelope, relative(outDir, paths.bundlePath)] };
  };
}
