// A local run signs what it built with the user's own key, as a remote manager signs with its own.
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadSignerCreatingKey } from '../attest/key-on-first-use.js';
import { contractorHome } from '../attest/key-paths.js';
import type { JobExecutor } from './executor.js';
import { signResult } from './sign-result.js';

/** The builder id in a local run's provenance: this machine. */
export function localBuilderId(): string {
  return `local://${hostname()}`;
}

/**
 * Signs every result that has artifacts and a commit (provenance names the commit it was built
 * from, so a snapshot of a directory or working tree stays unsigned). The key pair in
 * $CONTRACTOR_HOME/keys is made on first use.
 */
export function withLocalSigning(run: JobExecutor, home?: string): JobExecutor {
  return async (req) => {
    const result = await run(req);
    if (!result.commit || result.artifacts.length === 0) return result;
    const paths = await signResult({
      result,
      commit: result.commit,
      job: req,
      outDir: result.outDir,
      builderId: localBuilderId(),
      signer: await loadSignerCreatingKey(home ?? contractorHome()),
    });
    const signed = { ...result, attestation: paths.envelopePath };
    await writeFile(join(result.outDir, 'result.json'), JSON.stringify(signed, null, 2) + '\n');
    return signed;
  };
}
