// The directory a run's outputs go to. A user's --out may hold an earlier run: its files are
// replaced, since an artifact is written with O_EXCL and would otherwise end the new run in EEXIST.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILE, ENVELOPE_FILE } from '../attest/write-attestation.js';
import { ContractorError } from '../errors.js';
import { WORKSPACE_TAR } from './remote/output-path.js';

/** Every name a run writes at the top of its out directory. */
export const RUN_OUTPUTS = [
  'log.txt',
  'result.json',
  'artifacts',
  ENVELOPE_FILE,
  BUNDLE_FILE,
  WORKSPACE_TAR,
] as const;

/** Removes what an earlier run (or attempt) wrote, making the directory if it is missing. */
export async function clearRunOutputs(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const name of RUN_OUTPUTS) await rm(join(outDir, name), { recursive: true, force: true });
}

/**
 * A directory the user named with --out, made ready for a run before it starts: missing, empty,
 * or holding only an earlier run's outputs (which are replaced). Anything else in it is refused,
 * so a mistyped --out never removes a file of the user's.
 */
export async function claimOutDir(outDir: string): Promise<void> {
  const found = await stat(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new ContractorError('USAGE', `--out ${outDir}: ${err.message}`);
  });
  if (found && !found.isDirectory())
    throw new ContractorError('USAGE', `--out ${outDir} is not a directory`);
  const names = found ? await readdir(outDir) : [];
  const foreign = names.filter((n) => !(RUN_OUTPUTS as readonly string[]).includes(n));
  if (foreign.length)
    throw new ContractorError(
      'USAGE',
      `--out ${outDir} holds files a run did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); ` +
        `name an empty or new directory, or one an earlier run wrote`,
    );
  await clearRunOutputs(outDir);
}
