// FilesystemIsolation: a container may bind only the build's own workspace, judged on the resolved path.
import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { within } from '../path-within.js';
import { ContainerRefusal } from './container-refusal.js';

/**
 * The bind source to hand the engine: the path the kernel reaches (every link followed), provided it
 * lies in the workspace. The resolved path is what goes upstream, not the build's text, so a link
 * named in the request cannot be pointed elsewhere between this check and the engine's lookup.
 */
export function workspaceBindSource(field: string, source: string, workspace: string): string {
  if (!isAbsolute(source))
    throw new ContainerRefusal(
      field,
      `bind source ${JSON.stringify(source)} is not an absolute path`,
    );
  let real: string;
  try {
    real = realpathSync(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ContainerRefusal(field, `bind source ${source} cannot be resolved (${code})`);
  }
  if (!within(real, realpathSync(workspace)))
    throw new ContainerRefusal(
      field,
      `bind source ${source} resolves to ${real}, outside the build's workspace ${workspace}; ` +
        'bind only paths in the workspace, or use a volume',
    );
  return real;
}
