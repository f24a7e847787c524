// A local run signs what it built with the user's own key, as a remote manager signs with its own.
import { hostname } from 'node:os';
import { contractorHome } from '../attest/key-paths.js';
import type { SourceOrigin } from '../attest/source-origin.js';
import type { JobExecutor } from './executor.js';
import type { JobResult } from './job.js';
import { loadOnce } from './load-once.js';
import { writeResultFile } from './result-file.js';
import type { SignedJob } from './sign-result.js';
import { signable } from './signable.js';

/** The signing code (DSSE, the Sigstore bundle, the key), loaded only when there is something to sign. */
function loadSigning(): Promise<{
  signResult: typeof import('./sign-result.js').signResult;
  loadSignerCreatingKey: typeof import('../attest/key-on-first-use.js').loadSignerCreatingKey;
}> {
  return Promise.all([import('./sign-result.js'), import('../attest/key-on-first-use.js')]).then(
    ([s, k]) => ({ signResult: s.signResult, loadSignerCreatingKey: k.loadSignerCreatingKey }),
  );
}

/** The machine in a local run's provenance (its builder id says under which trust). */
export function localHost(): string {
  return `local://${hostname()}`;
}

/** Where a locally built result came from, as its provenance names it. */
export interface LocalSource {
  origin: SourceOrigin;
  commit?: string;
  sourceDigest: Record<string, string>;
}

/**
 * Signs a passed, non-audit result that has artifacts with the user's key ($CONTRACTOR_HOME/keys,
 * made on first use), the untrusted pair for an untrusted origin, and returns it naming the
 * attestation; its result.json is for the caller to write.
 */
export async function signLocally(
  result: JobResult,
  job: SignedJob,
  from: LocalSource,
  home?: string,
  signing: typeof loadSigning = loadSigning,
): Promise<JobResult> {
  if (!signable(result, job.audit)) return result;
  const { signResult, loadSignerCreatingKey } = await signing();
  const trust = from.origin.trusted ? 'trusted' : 'untrusted';
  const paths = await signResult({
    result,
    ...from,
    job,
    outDir: result.outDir,
    host: localHost(),
    signer: await loadSignerCreatingKey(home ?? contractorHome(), trust),
  });
  return paths ? { ...result, attestation: paths.envelopePath } : result;
}

/** A commit's result is named by its id and tree, a --worktree snapshot's by its git tree id. */
function localSource(result: JobResult, origin: SourceOrigin | undefined): LocalSource | undefined {
  if (!origin) return undefined;
  if (result.commit) {
    const sourceDigest: Record<string, string> = { gitCommit: result.commit };
    if (result.tree) sourceDigest.gitTree = result.tree;
    return { origin, commit: result.commit, sourceDigest };
  }
  if (result.tree) return { origin, sourceDigest: { gitTree: result.tree } };
  return undefined;
}

/**
 * Signs every passed result that has artifacts, as the job's seal: runJob writes result.json
 * once, signed. An executor that does not apply the seal has its result signed and rewritten here.
 */
export function withLocalSigning(run: JobExecutor, home?: string): JobExecutor {
  return async (req) => {
    // A job that can make artifacts loads the signing code once its build has started.
    const load = loadOnce(loadSigning);
    let sealed = false;
    const sign = (result: JobResult): Promise<JobResult> => {
      sealed = true;
      const from = localSource(result, req.origin);
      return from ? signLocally(result, req, from, home, load) : Promise.resolve(result);
    };
    const result = await run({
      ...req,
      onEvent: (e) => {
        if (e.type === 'phase' && req.spec.artifacts.length > 0 && !req.audit) load();
        req.onEvent?.(e);
      },
      seal: sign,
    });
    if (sealed) return result;
    const signed = await sign(result);
    if (signed !== result) await writeResultFile(signed);
    return signed;
  };
}
