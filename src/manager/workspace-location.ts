// Where a spec's workspace lives on the host, refused when saving it back could reach beyond it.
// The spec comes from a commit, and the workspace is replaced by whatever the build left: a path
// through a symbolic link would be read from, and written over, wherever the link points.
import { lstat, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ContractorError } from '../errors.js';
import { workspaceParts } from '../spec/parse.js';

function refusal(specFile: string, message: string): ContractorError {
  return new ContractorError('SPEC_INVALID', `${specFile}: ${message}`);
}

/**
 * The workspace's absolute path under base, once every part of it that exists is a directory and
 * none is a symbolic link. parseSpec has already refused '.', '..', absolute paths and .git.
 */
export async function workspaceLocation(
  base: string,
  workspace: string,
  specFile: string,
): Promise<string> {
  const parts = workspaceParts(workspace);
  let at = base;
  for (const part of parts) {
    at = join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (!st) break; // the rest is made when the workspace is first saved
    const shown = relative(base, at).split(sep).join('/');
    if (st.isSymbolicLink())
      throw refusal(
        specFile,
        `workspace ${JSON.stringify(workspace)}: ${shown} is a symbolic link (to ${await readlink(at)}); a workspace must be a real directory`,
      );
    if (!st.isDirectory())
      throw refusal(
        specFile,
        `workspace ${JSON.stringify(workspace)}: ${shown} is not a directory`,
      );
  }
  return join(base, ...parts);
}
