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

export async function resolveRevision(root: string, rev: string): Promise<ResolvedRevision> {
  const git = openRepository(root);
  let out: string;
  try {
    out = await git.revparse(['--verify', '--end-of-options', `${rev}^{commit}`, `${rev}^{tree}`]);
  } catch (err) {
    throw new ContractorError('GIT', `cannot resolve ${rev} to a commit in ${root}`, {
      cause: err,
    });
  }
  const [commit, tree] = out.trim().split('\n');
  if (!commit || !tree || !SHA.test(commit) || !SHA.test(tree))
    throw new ContractorError('GIT', `git rev-parse gave unexpected output for ${rev}: ${out}`);
  return { commit, tree };
}
