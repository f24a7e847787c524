// Answers about the repository being built, through git itself, parsed at the edge.
import { ContractorError } from '../errors.js';
import { gitBytes, gitOutput } from './git-output.js';

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

/** A revision's commit and tree; refused like readRevision. */
export async function resolveRevision(root: string, rev: string): Promise<ResolvedRevision> {
  const { commit, tree } = await readRevision(root, rev);
  return { commit, tree };
}

export interface RevisionWithFile extends ResolvedRevision {
  /** The file as committed, or undefined when the commit has no such file. */
  file: string | undefined;
}

interface BatchObject {
  oid: string;
  type: string;
  content: Buffer;
}

/** `git cat-file --batch` output: one object per name asked for, or undefined when git has none by it. */
function parseBatch(out: Buffer, count: number): (BatchObject | undefined)[] {
  const objects: (BatchObject | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) throw new Error('git cat-file stopped early');
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const [oid, type, size] = header.split(' ');
    if (!oid || !type || size === undefined || !SHA.test(oid)) {
      objects.push(undefined); // "<name> missing" or "<name> ambiguous"
      continue;
    }
    objects.push({ oid, type, content: out.subarray(at, at + Number(size)) });
    at += Number(size) + 1;
  }
  return objects;
}

/**
 * A revision's commit and tree, and one file of it as committed when `path` is given, read by one
 * git process so they cannot disagree. Refused: a range, a non-commit, an option-like name, a name
 * git lacks.
 */
export async function readRevision(
  dir: string,
  rev: string,
  path?: string,
): Promise<RevisionWithFile> {
  const refuse = (cause: unknown): ContractorError =>
    new ContractorError('GIT', `cannot resolve ${rev} to a commit in ${dir}`, { cause });
  // cat-file reads a name a line: a revision with a line break in it would be two names.
  if (/[\n\r\0]/.test(rev)) throw refuse(new Error('the revision holds a line break'));
  const names = [`${rev}^{commit}`, `${rev}^{tree}`, ...(path ? [`${rev}:${path}`] : [])];
  let objects: (BatchObject | undefined)[];
  try {
    objects = parseBatch(
      await gitBytes(dir, ['cat-file', '--batch'], names.map((n) => `${n}\n`).join('')),
      names.length,
    );
  } catch (err) {
    throw refuse(err);
  }
  const [commit, tree, file] = objects;
  if (commit?.type !== 'commit' || tree?.type !== 'tree')
    throw refuse(new Error(`git has no commit named ${rev}`));
  return {
    commit: commit.oid,
    tree: tree.oid,
    file: file?.type === 'blob' ? file.content.toString('utf8') : undefined,
  };
}
