// A local run's origin, from the user's own git config (trusted): the remote's URL, the ref, the event.
// Local runs are trusted by definition: the user builds their own tree on their own machine.
import { pathToFileURL } from 'node:url';
import { withoutCredentials, type SourceOrigin } from '../attest/source-origin.js';
import { gitOutput } from './git-output.js';
import { gitConfig } from './repository.js';

/** The push a pre-push hook is checking: the URL git handed the hook and the ref it updates there. */
export interface PushTarget {
  /** Absent when the hook was run by hand without git's arguments. */
  url?: string;
  remoteRef: string;
}

export async function localOrigin(
  root: string,
  rev: string | undefined,
  push?: PushTarget,
): Promise<SourceOrigin> {
  if (push)
    return {
      repository: push.url ? withoutCredentials(push.url) : await remoteUrl(root, undefined),
      ref: push.remoteRef,
      event: 'pre-push',
      trusted: true,
    };
  const ref = await symbolicRef(root, rev ?? 'HEAD');
  return {
    repository: await remoteUrl(root, ref),
    ...(ref ? { ref } : {}),
    event: 'local',
    trusted: true,
  };
}

// refs/heads/main for `main` or an attached HEAD; none for a commit id or a detached HEAD.
async function symbolicRef(root: string, rev: string): Promise<string | undefined> {
  const name = (
    await gitOutput(root, ['rev-parse', '--symbolic-full-name', rev, '--']).catch(() => '')
  )
    .split('\n')[0]
    ?.trim();
  return name?.startsWith('refs/') ? name : undefined;
}

// The branch's upstream remote, else origin; a repository with neither is named by its path.
async function remoteUrl(root: string, ref: string | undefined): Promise<string> {
  const branch = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const upstream = branch ? await gitConfig(root, `branch.${branch}.remote`) : '';
  for (const remote of [upstream, 'origin']) {
    if (!remote || remote === '.') continue;
    const url = (await gitOutput(root, ['remote', 'get-url', remote]).catch(() => '')).trim();
    if (url) return withoutCredentials(url);
  }
  return pathToFileURL(root).href;
}
