// Where a spec's workspace is kept between builds. The build writes it, so in the work tree it
// could hold what the user's next `npm test` or `git commit` runs (node_modules, .git/hooks, bin):
// it lands there only where the trusted side approved it, and elsewhere where nothing runs it.
import { join } from 'node:path';
import { workspaceKey } from '../spec/policy.js';
import { workspaceLocation } from './workspace-location.js';

export interface WorkspacePlace {
  /** The directory restored into the build and saved after it. */
  dir: string;
  /** True when it is the spec's own path in the work tree, as the trusted side approved. */
  inTree: boolean;
}

export interface WorkspacePlaceOptions {
  /** The work tree (the repository's root, or the spec's directory for `contractor build`). */
  base: string;
  /** Where unapproved workspaces are kept, one directory each, outside anything that runs. */
  keptDir: string;
  workspace: string;
  specFile: string;
  /** Workspace paths the trusted side approved (policy.yaml `workspaces:`, git config contractor.workspace). */
  approved: string[];
}

/** The workspace's place: its own path when approved, else its name (`a/b` as `a%2Fb`) under keptDir. */
export async function workspacePlace(o: WorkspacePlaceOptions): Promise<WorkspacePlace> {
  const key = workspaceKey(o.workspace);
  if (o.approved.map(workspaceKey).includes(key))
    return { dir: await workspaceLocation(o.base, o.workspace, o.specFile), inTree: true };
  return {
    dir: await workspaceLocation(o.keptDir, encodeURIComponent(key), o.specFile),
    inTree: false,
  };
}

/** What the cache key holds of the place: where the restored workspace came from. */
export function placeLabel(place: WorkspacePlace | undefined): string {
  if (!place) return 'none';
  return place.inTree ? 'tree' : 'kept';
}

/** The kept workspaces of a repository, beside git's own files, where no hook or tool looks. */
export function keptWorkspacesIn(gitDir: string): string {
  return join(gitDir, 'contractor', 'workspaces');
}
