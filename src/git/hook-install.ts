// Installs the pre-push shim where git will run it, keeping any hook already there as a chained one.
import { chmod, readFile, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { installPath } from '../install-root.js';
import { ContractorError } from '../errors.js';
import { gitConfig, gitDir } from './repository.js';

const SHIM = installPath('hooks', 'pre-push');
const BIN = installPath('bin', 'git-contractor.js');
const MARK = 'Contractor pre-push shim';
export const CHAINED = 'pre-push.contractor-chained';

export type InstallOutcome = 'installed' | 'already-installed' | 'installed-chained';

/** Honours core.hooksPath (husky, lefthook and others set it), relative to the work tree. */
export async function hooksDir(root: string): Promise<string> {
  const configured = await gitConfig(root, 'core.hooksPath');
  if (!configured) return join(await gitDir(root), 'hooks');
  return isAbsolute(configured) ? configured : join(root, configured);
}

async function readIfExists(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function installHook(root: string): Promise<InstallOutcome> {
  const dir = await hooksDir(root);
  await mkdir(dir, { recursive: true });
  const target = join(dir, 'pre-push');
  const existing = await readIfExists(target);
  if (existing?.includes(MARK)) return 'already-installed';
  const shim = (await readFile(SHIM, 'utf8')).replace('@CONTRACTOR_BIN@', shellQuote(BIN));
  let outcome: InstallOutcome = 'installed';
  if (existing !== undefined) {
    if (await readIfExists(join(dir, CHAINED)))
      throw new ContractorError(
        'USAGE',
        `${join(dir, CHAINED)} already exists; move it away before installing`,
      );
    await rename(target, join(dir, CHAINED));
    outcome = 'installed-chained';
  }
  await writeFile(target, shim);
  await chmod(target, 0o755);
  return outcome;
}

export async function uninstallHook(
  root: string,
): Promise<'removed' | 'not-installed' | 'restored-chained'> {
  const dir = await hooksDir(root);
  const target = join(dir, 'pre-push');
  const existing = await readIfExists(target);
  if (!existing?.includes(MARK)) return 'not-installed';
  await rm(target);
  const chained = join(dir, CHAINED);
  if (
    await stat(chained).then(
      () => true,
      () => false,
    )
  ) {
    await rename(chained, target);
    return 'restored-chained';
  }
  return 'removed';
}
