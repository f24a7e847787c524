// Answers about the repository being built, through git itself (simple-git), parsed at the edge.
import { simpleGit, type SimpleGit } from 'simple-git';
import { ContractorError } from '../errors.js';

export interface ResolvedRevision {
  commit: string;
  tree: string;
}

export function openRepository(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4 });
}

/**
 * A git config value, or '' when unset. --default makes git print a line even then: simple-git
 * waits 50 ms for late output after a command that printed nothing, which a pre-push hook feels.
 */
export async function gitConfig(root: string, key: string): Promise<string> {
  return (
    await openRepository(root)
      .raw(['config', '--default', '', '--get', key])
      .catch(() => '')
  ).trim();
}

export async function repositoryRoot(dir: string): Promise<string> {
  try {
    return (await openRepository(dir).revparse(['--show-toplevel'])).trim();
  } catch (err) {
    throw new ContractorError(
      'GIT',
      `${dir} is not inside a git repository; run this in a clone, or use 'contractor build SPEC'`,
      { cause: err },
    );
  }
}

export async function gitDir(root: string): Promise<string> {
  return (await openRepository(root).revparse(['--absolute-git-dir'])).trim();
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

async function revParse(root: string, expr: string): Promise<string> {
  // --end-of-options: a revision like --output=FILE is a name, never an option.
  const out = await openRepository(root).raw([
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    expr,
  ]);
  const sha = out.trim();
  if (!SHA.test(sha)) throw new Error(`git rev-parse ${expr} printed "${sha}"`);
  return sha;
}

export async function resolveRevision(root: string, rev: string): Promise<ResolvedRevision> {
  try {
    return {
      commit: await revParse(root, `${rev}^{commit}`),
      tree: await revParse(root, `${rev}^{tree}`),
    };
  } catch (err) {
    throw new ContractorError('GIT', `cannot resolve ${rev} to a commit in ${root}`, {
      cause: err,
    });
  }
}
