// The regular files of a commit's tree: the only paths a diagnostic of its build may annotate.
import { runGit } from './source-fetch.js';

/** Blobs with a file mode; symlinks (120000) and submodules are no file of the commit to annotate. */
const FILE_ENTRY = /^100(?:644|755) blob [0-9a-f]+\t/;

export async function commitFiles(gitDir: string, sha: string): Promise<Set<string>> {
  const out = await runGit(['--git-dir', gitDir, 'ls-tree', '-r', '-z', '--full-tree', sha]);
  const files = new Set<string>();
  for (const entry of out.split('\0'))
    if (FILE_ENTRY.test(entry)) files.add(entry.slice(entry.indexOf('\t') + 1));
  return files;
}
