// Answers about the repository being built, through git itself, parsed at the edge.
import { ContractorError } from '../errors.js';
import { gitOutput } from './git-output.js';

export interface ResolvedRevision {
  commit: string;
  tree: string;
}

/** A git config value, or '' when unset. */
export async function gitConfig(root: string, key: string): Promise<string> {
  return (await gitOutput(root, ['config', '--default', '', '--get', key]).catch(() => '')).trim();
}

/** Each repository's git directory, learnt with its root: one git process fewer per run. */
const gitDirs = new Map<string, string>();

export async function repositoryRoot(dir: string): Promise<string> {
  try {
    const [root, git] = (
      await gitOutput(dir, ['rev-parse', '--show-toplevel', '--absolute-git-dir'])
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
  return gitDirs.get(root) ?? (await gitOutput(root, ['rev-parse', '--absolute-git-dir'])).trim();
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export async function resolveRevision(root: string, rev: string): Promise<ResolvedRevision> {
  try {
    // One git for both; --end-of-options: a revision like --output=FILE is a name, never an option.
    // A range (A..B) prints more than two lines, or a ^-line, and is refused like any non-commit.
    const out = await gitOutput(root, [
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
