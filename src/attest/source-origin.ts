// Where a build's source came from, as the trusted side knows it: what a signature names besides the bytes.

/** What asked for the build: a webhook's event, a local `git contractor run`, or the pre-push hook. */
export type BuildEvent = 'push' | 'pull_request' | 'local' | 'pre-push';

export const BUILD_EVENTS: readonly BuildEvent[] = ['push', 'pull_request', 'local', 'pre-push'];

export interface SourceOrigin {
  /** The repository URL as the trusted side knows it (the user's git remote, the App's clone URL), without credentials. */
  repository: string;
  /** The ref that was built (refs/heads/main, refs/pull/7/head); none for a snapshot or a detached HEAD. */
  ref?: string;
  event: BuildEvent;
  /** False when the source is not the repository's own: a fork's pull request. */
  trusted: boolean;
}

// Builder ids live under the project's own reserved namespace (.invalid never resolves), versioned.
export const TRUSTED_BUILDER_ID = 'https://contractor.invalid/builders/trusted/v1';
export const UNTRUSTED_BUILDER_ID = 'https://contractor.invalid/builders/untrusted/v1';

/** A verifier that requires the trusted id refuses a fork's build even if it holds both keys. */
export function builderIdFor(origin: Pick<SourceOrigin, 'trusted'>): string {
  return origin.trusted ? TRUSTED_BUILDER_ID : UNTRUSTED_BUILDER_ID;
}

/** A remote URL may carry a token (https://user:token@host/...): it is dropped before anything signs it. */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // scp-like `git@host:owner/repo` or a path: no password to drop.
    return url;
  }
  if (!parsed.username && !parsed.password) return url;
  // ssh://git@host keeps its user name, which is an account, not a secret; a password never stays.
  if (parsed.protocol === 'ssh:' || parsed.protocol === 'git+ssh:') parsed.password = '';
  else {
    parsed.username = '';
    parsed.password = '';
  }
  return parsed.href;
}
