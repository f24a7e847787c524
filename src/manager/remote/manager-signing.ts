// The manager signs what it built with its own key (contractor keys init on the manager host):
// a DSSE in-toto statement with SLSA provenance, and the same as a Sigstore bundle.
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { keyPaths } from '../../attest/key-paths.js';
import { loadSigner } from '../../attest/signer.js';
import { signResult } from '../sign-result.js';
import type { AttestationHook } from './attestation-hook.js';

/** The builder id in the provenance: the manager host, as clients reach it. */
export function managerId(): string {
  return `ssh://${hostname()}`;
}

/**
 * Signs a result that has a commit. A manager without a key sends results unsigned;
 * `contractor keys init` on the manager host turns signing on.
 */
export function signWithManagerKey(home: string): AttestationHook {
  return async (result, outDir, job) => {
    if (!result.commit) return null;
    const hasKey = await access(keyPaths(home).privatePath).then(
      () => true,
      () => false,
    );
    if (!hasKey) return null;
    const paths = await signResult({
      result,
      commit: result.commit,
      job,
      // Beside result.json, as a local run writes them, so one path works for both.
      outDir,
      builderId: managerId(),
      signer: await loadSigner(home),
    });
    const envelope = relative(outDir, paths.envelopePath);
    return { envelope, files: [envelope, relative(outDir, paths.bundlePath)] };
  };
}
