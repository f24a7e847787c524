// Asks GitHub, with the signed-in user's own token, who they are and whether they can read a repository.
import { Octokit } from '@octokit/core';

export interface RunRepository {
  owner: string;
  repo: string;
  /** GitHub's id: a name deleted and registered again by someone else is another repository. */
  repoId: number;
  private: boolean;
}

/** yes; no (GitHub hides it from them: 404); signed-out (the token is revoked or expired). */
export type ReadAccess = 'yes' | 'no' | 'signed-out';

export interface SignedInUser {
  login: string;
  id: number;
}

function userOctokit(apiUrl: string, token: string): Octokit {
  return new Octokit({
    baseUrl: apiUrl.replace(/\/+$/, ''),
    auth: token,
    userAgent: 'contractor-app',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: { signal: AbortSignal.timeout(30_000) },
  });
}

export async function signedInUser(apiUrl: string, token: string): Promise<SignedInUser> {
  const { data } = await userOctokit(apiUrl, token).request('GET /user');
  return { login: data.login, id: Number(data.id) };
}

/** A private repository GitHub shows this user is one they can read; anything else is not. */
export async function readAccess(
  apiUrl: string,
  token: string,
  r: RunRepository,
): Promise<ReadAccess> {
  try {
    const { data } = await userOctokit(apiUrl, token).request('GET /repos/{owner}/{repo}', {
      owner: r.owner,
      repo: r.repo,
    });
    return data.id === r.repoId && data.permissions?.pull !== false ? 'yes' : 'no';
  } catch (err) {
    // Octokit's RequestError carries GitHub's status; anything else (no answer) is not an answer.
    const status = (err as { status?: unknown }).status;
    if (status === 404 || status === 403) return 'no';
    if (status === 401) return 'signed-out';
    throw err;
  }
}
