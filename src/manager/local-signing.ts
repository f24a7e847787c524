// A local run signs what it built with the user's own key, as a remote manager signs with its own.
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { contractorHome } from '../attest/key-paths.js';
import type { ResourceDescriptor } from '../attest/provenance.js';
import type { JobExecutor } from './executor.js';
import type { JobResult } from './job.js';
import { loadOnce } from './load-once.js';
import type { SignedJob } from './sign-result.js';

/** The signing code (DSSE, the Sigstore bundle, the key), loaded only when there is something to sign. */
function loadSigning(): Promise<{
  signResult: typeof import('./sign-result.js').signResult;
  loadSignerCreatingKey: typeof import('../attest/key-on-first-use.js').loadSignerCreatingKey;
}> {
  return Promise.all([import('./sign-result.js'), import('../attest/key-on-first-use.js')]).then(
    ([s, k]) => ({ signResult: s.signResult, loadSignerCreatingKey: k.loadSignerCreatingKey }),
  );
}

/** The builder id in a local run's provenance: this machine. */
export function localBuilderId(): string {
  return `local://${hostname()}`;
}

/** Where a locally built result came from, as its provenance names it. */
export interface LocalSource {
  commit?: string;
  source?: ResourceDescriptor;
}

/**
 * Signs a result that has artifacts with the user's key ($CONTRACTOR_HOME/keys, made on first
 * use), rewrites its result.json with the attestation's path, and returns the signed result.
 */
export async function signLocally(
  result: JobResult,
  job: SignedJob,
  from: LocalSource,
  home?: string,
  signing: typeof loadSigning = loadSigning,
): Promise<JobResult> {
  if (result.artifacts.length === 0) return result;
  const { signResult, loadSignerCreatingKey } = await signing();
  const paths = await signResult({
    result,
    ...from,
    job,
    outDir: result.outDir,
    builderId: localBuilderId(),
    signer: await loadSignerCreatingKey(home ?? contractorHome()),
  });
  const signed = { ...result, attestation: paths.envelopePath };
  await writeFile(join(result.outDir, 'result.json'), JSON.stringify(signed, null, 2) + '\n');
  return signed;
}

/**
 * Signs every result that has artifacts: a commit's by its id, a --worktree snapshot's by its
 * git tree id.
 */
export function withLocalSigning(run: JobExecutor, home?: string): JobExecutor {
  return async (req) => {
    // A job that can make artifacts loads the signing code once its build has started.
    const load = loadOnce(loadSigning);
    const result = await run({
      ...req,
      onEvent: (e) => {
        if (e.type === 'phase' && req.spec.artifacts.length > 0) load();
        req.onEvent?.(e);
      },
    });
    if (result.commit) return signLocally(result, req, { commit: result.commit }, home, load);
    if (result.tree)
      return signLocally(
        result,
        req,
        { source: { name: 'worktree', digest: { gitTree: result.tree } } },
        home,
        load,
      );
    return result;
  };
}
