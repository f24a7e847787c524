// Where a spec's directories live on the host, refused when reaching them could leave their base.
// The spec comes from a commit: a path through a symbolic link would be read from (the source),
// or written over (the workspace, replaced by whatever the build left), wherever the link points.
import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ContractorError } from '../errors.js';
import { workspaceParts } from '../spec/parse.js';

function refusal(specFile: string, message: string): ContractorError {
  return new ContractorError('SPEC_INVALID', `${specFile}: ${message}`);
}

/**
 * `base` joined with `path` once every part of it that exists is a directory and none is a
 * symbolic link; an absolute path or a `..` is refused. With `mustExist`, a missing part is too.
 */
export async function directoryBeneath(
  base: string,
  path: string,
  o: { key: string; specFile: string; mustExist?: boolean },
): Promise<string> {
  const named = `${o.key} ${JSON.stringify(path)}`;
  const parts = workspaceParts(path);
  if (isAbsolute(path) || parts.includes('..'))
    throw refusal(o.specFile, `${named} leaves the spec's directory; name a directory inside it`);
  let at = base;
  for (const part of parts) {
    at = join(at, part);
    const st = await lstat(at).catch(() => undefined);
    const shown = relative(base, at).split(sep).join('/');
    if (!st && o.mustExist) throw refusal(o.specFile, `${named}: ${shown} does not exist`);
    if (!st) break; // the rest is made when the workspace is first saved
    if (st.isSymbolicLink())
      throw refusal(
        o.specFile,
        `${named}: ${shown} is a symbolic link (to ${await readlink(at)}); a ${o.key} must be a real directory`,
      );
    if (!st.isDirectory()) throw refusal(o.specFile, `${named}: ${shown} is not a directory`);
  }
  return join(base, ...parts);
}

/** The workspace's absolute path under base. parseSpec has already refused '.', '..', absolute paths and .git. */
export function workspaceLocation(
  base: string,
  workspace: string,
  specFile: string,
): Promise<string> {
  return directoryBeneath(base, workspace, { key: 'workspace', specFile });
}

/** FilesystemIsolation: `contractor build`'s source stays under the spec's directory, by the workspace's rules. */
export function sourceLocation(base: string, source: string, specFile: string): Promise<string> {
  return directoryBeneath(base, source, { key: 'source', specFile, mustExist: true });
}
