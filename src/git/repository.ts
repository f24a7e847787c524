// Answers about the repository being built, through git itself, parsed at the edge.
import { ContractorError } from '../errors.js';
import { catFileObjects, type CatFileObject, type ObjectInfo } from './cat-file.js';
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
    // Run in the wrong directory is the user's mistake (exit 2); git failing otherwise is not.
    const outside = /not a git repository/i.test((err as Error).message);
    throw new ContractorError(
      outside ? 'USAGE' : 'GIT',
      `${dir} is not inside a git repository; run this in a clone, or use 'contractor build SPEC'`,
      { cause: err },
    );
  }
}

export async function gitDir(root: string): Promise<string> {
  return gitDirs.get(root) ?? (await gitOutput(root, ['rev-parse', '--absolute-git-dir'])).trim();
}

/** A revision's commit and tree; refused like readRevision. */
export async function resolveRevision(root: string, rev: string): Promise<ResolvedRevision> {
  const { commit, tree } = await readRevision(root, rev);
  return { commit, tree };
}

/** A file as committed: its size, and its text unless it is larger than the reader would read. */
export interface CommittedFile {
  bytes: number;
  text: string | undefined;
}

export interface RevisionWithFile extends ResolvedRevision {
  /** The file asked for, or undefined when the commit has no such file. */
  file: CommittedFile | undefined;
}

/** Which file of a revision to read, and the most bytes of it worth reading. */
export interface FileRequest {
  path: string;
  maxBytes: number;
}

function committedFile(o: CatFileObject | undefined): CommittedFile | undefined {
  if (o?.type !== 'blob') return undefined;
  return { bytes: o.size, text: o.content?.toString('utf8') };
}

const fits = (file: FileRequest | undefined) => (o: ObjectInfo) =>
  file !== undefined && o.type === 'blob' && o.size <= file.maxBytes;

/**
 * A revision's commit and tree, and one file of it as committed when asked, read by one git
 * process so they cannot disagree. A file over its cap is sized, never read. Refused: a range, a
 * non-commit, an option-like name, a name git lacks.
 */
export async function readRevision(
  dir: string,
  rev: string,
  file?: FileRequest,
): Promise<RevisionWithFile> {
  // A name git lacks is the user's mistake (exit 2); git failing to answer is not.
  const refuse = (cause: unknown, code: 'USAGE' | 'GIT' = 'USAGE'): ContractorError =>
    new ContractorError(code, `cannot resolve ${rev} to a commit in ${dir}`, { cause });
  // cat-file reads a name a line: a revision with a line break in it would be two names.
  if (/[\n\r\0]/.test(rev)) throw refuse(new Error('the revision holds a line break'));
  const names = [`${rev}^{commit}`, `${rev}^{tree}`, ...(file ? [`${rev}:${file.path}`] : [])];
  let objects: (CatFileObject | undefined)[];
  try {
    objects = await catFileObjects(dir, names, (o, i) => i === 2 && fits(file)(o));
  } catch (err) {
    throw refuse(err, 'GIT');
  }
  const [commit, tree, blob] = objects;
  if (commit?.type !== 'commit' || tree?.type !== 'tree')
    throw refuse(new Error(`git has no commit named ${rev}`));
  return { commit: commit.oid, tree: tree.oid, file: committedFile(blob) };
}

/** One file of a commit or tree as committed, never the working directory's; undefined if none. */
export async function readCommittedFile(
  root: string,
  treeish: string,
  file: FileRequest,
): Promise<CommittedFile | undefined> {
  const [blob] = await catFileObjects(root, [`${treeish}:${file.path}`], fits(file));
  return committedFile(blob);
}
