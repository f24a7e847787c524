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

/** Each repository's git directory, learnt with its root: one git process fewer per run. */
const gitDirs = new Map<string, string>();

export async function repositoryRoot(dir: string): Promise<string> {
  try {
    const [root, git] = (
      await openRepository(dir).revparse(['--show-toplevel', '--absolute-git-dir'])
    )
      .trim()
      .split('\n');
    if (!root || !git) throw new Error(`git rev-parse printed "${root ?? ''}"`);
    gitDirs.set(root, git);
    return root;
  } catch (err) {
    throw new ContractorError(
      'GIT',
      `${dir} is not inside a git repository; run this in a clone, or use 'contractor build SPEC'`,
      { cause: err },
    );
  }
}

export async function gitDir(root: string): Promise<string> {
  return gitDirs.get(root) ?? (await openRepository(root).revparse(['--absolute-git-dir'])).trim();
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export async function resolveRevision(root: string, rev: string): Promise<ResolvedRevision> {
  try {
    // One git for both; --end-of-options: a revision like --output=FILE is a name, never an option.
    // A range (A..B) prints more than two lines, or a ^-line, and is refused like any non-commit.
    const out = await openRepository(root).raw([
      'rev-parse',
      '--end-of-options',
      `${rev}^{commit}`,
      `${rev}^{tree}`,
    ]);
    // Without --verify, git before 2.43 echoes --end-of-options back as a line of its own.
    const lines = out
      .trim()
      .split('\n')
      .filter((l) => l !== '--end-of-options');
    const [commit, tree] = lines;
    if (lines.length !== 2 || !commit || !tree || !SHA.test(commit) || !SHA.test(tree))
      throw new Error(`git rev-parse ${rev} printed "${out.trim()}"`);
    return { commit, tree };
  } catch (err) {
    throw new ContractorError('GIT', `cannot resolve ${rev} to a commit in ${root}`, {
      cause: err,
    });
  }
}
