// `--worktree`: a tree object of the working directory (tracked and unignored untracked files),
// written through a throwaway index so the user's own index is never touched.
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { ContractorError } from '../errors.js';
import { makeScratchDir } from '../manager/scratch-dir.js';
import { gitDir } from './repository.js';

/** What `git add` and `write-tree` need; simple-git refuses EDITOR, PAGER and the like in a custom env. */
const KEPT_ENV = ['PATH', 'HOME', 'XDG_CONFIG_HOME', 'LANG', 'LC_ALL', 'TMPDIR'];

function snapshotEnv(index: string): Record<string, string> {
  const env: Record<string, string> = { GIT_INDEX_FILE: index };
  for (const name of KEPT_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export async function snapshotWorktree(root: string): Promise<string> {
  const scratch = await makeScratchDir('index');
  const index = join(scratch, 'index');
  try {
    await copyFile(join(await gitDir(root), 'index'), index).catch(() => undefined);
    const git = simpleGit({ baseDir: root }).env(snapshotEnv(index));
    await git.raw(['add', '--all', '--', '.']);
    const tree = (await git.raw(['write-tree'])).trim();
    if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new Error(`git write-tree printed ${tree}`);
    return tree;
  } catch (err) {
    throw new ContractorError(
      'GIT',
      `cannot snapshot the working tree of ${root}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
