// The source of a build: a commit's tree from `git archive`, never the live directory or .git.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ContractorError } from '../errors.js';

/** A tar stream of the commit's tree, every entry under `under/` if given; fails the stream if git does. */
export function archiveCommit(root: string, treeish: string, under?: string): () => Readable {
  const prefix = under ? [`--prefix=${under}/`] : [];
  return () => {
    // --worktree-attributes stays off: the commit's own .gitattributes decide export-ignore and the like.
    const git = spawn('git', ['-C', root, 'archive', '--format=tar', ...prefix, treeish], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    git.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    git.on('close', (code) => {
      if (code !== 0)
        git.stdout.destroy(
          new ContractorError('GIT', `git archive ${treeish} failed: ${stderr.trim()}`),
        );
    });
    return git.stdout;
  };
}
