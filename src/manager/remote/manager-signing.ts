// The manager signs what it built with its own keys (contractor keys init on the manager host):
// a DSSE in-toto statement with SLSA provenance, and the same as a Sigstore bundle.
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { keyPaths } from '../../attest/key-paths.js';
import { loadSigner } from '../../attest/signer.js';
import { signResult } from '../sign-result.js';
import { signable } from '../signable.js';
import type { AttestationHook } from './attestation-hook.js';

/** The machine in the provenance: the manager host, as clients reach it. */
export function managerHost(): string {
  return `ssh://${hostname()}`;
}

/**
 * Signs a passed, non-audit result whose client named its origin. A manager without the key for
 * that origin's trust sends results unsigned (an untrusted source never falls back to the trusted
 * key); `contractor keys init` on the manager host makes both.
 */
export function signWithManagerKey(home: string): AttestationHook {
  return async (result, outDir, job, received) => {
    const { origin } = job;
    if (!origin || !signable(result, job.audit)) return null;
    const trust = origin.trusted ? 'trusted' : 'untrusted';
    const hasKey = await access(keyPaths(home, trust).privatePath).then(
      () => true,
      () => false,
    );
    if (!hasKey) return null;
    const paths = await signResult({
      result,
      job,
      origin,
      // The client's request, signed as such; the digests are of what this manager received.
      ...(result.commit ? { commit: result.commit } : {}),
      sourceDigest: {
        sha256: received.sha256,
        ...('gitTree' in received.tree ? { gitTree: received.tree.gitTree } : {}),
      },
      // The provenance says why it names no tree, for a verifier that asks for one.
      ...('notComputed' in received.tree
        ? { sourceAnnotations: { gitTree: `not computed: ${received.tree.notComputed}` } }
        : {}),
      // Beside result.json, as a local run writes them, so one path works for both.
      outDir,
      host: managerHost(),
      signer: await loadSigner(home, trust),
    });
    if (!paths) return null;
    const envelope = relative(outDir, paths.envelopePath);
    return { envelope, files: [envelope, relative(outDir, paths.bundlePath)] };
  };
}
