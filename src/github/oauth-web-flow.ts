// GitHub's OAuth web flow for the App's users: send the browser to authorize, trade the code for a user token.
import { ContractorError } from '../errors.js';

export interface OAuthClient {
  /** https://github.com, or the GHES host: where /login/oauth lives (not the API). */
  webUrl: string;
  clientId: string;
  clientSecret: string;
  /** This server's callback, as registered in the App's settings. */
  redirectUri: string;
}

export function authorizeUrl(c: OAuthClient, state: string): string {
  const u = new URL(`${c.webUrl.replace(/\/+$/, '')}/login/oauth/authorize`);
  u.searchParams.set('client_id', c.clientId);
  u.searchParams.set('redirect_uri', c.redirectUri);
  u.searchParams.set('state', state);
  // A user without an account cannot read a private repository: no point offering a sign-up.
  u.searchParams.set('allow_signup', 'false');
  return u.toString();
}

interface TokenAnswer {
  access_token?: string;
  error?: string;
  error_description?: string;
}

/** The user's access token for a code GitHub just gave the callback; the secret goes in the body only. */
export async function exchangeCode(c: OAuthClient, code: string): Promise<string> {
  const url = `${c.webUrl.replace(/\/+$/, '')}/login/oauth/access_token`;
  const body = new URLSearchParams({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    code,
    redirect_uri: c.redirectUri,
  });
  let answer: TokenAnswer;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { Accept: 'application/json', 'User-Agent': 'contractor-app' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    answer = (await res.json()) as TokenAnswer;
  } catch (err) {
    throw new ContractorError(
      'INFRASTRUCTURE',
      `GitHub's token endpoint did not answer: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  // GitHub answers 200 with an `error` field for a bad code or bad client credentials.
  if (typeof answer.access_token === 'string' && answer.access_token) return answer.access_token;
  throw new ContractorError(
    'PROTOCOL',
    `GitHub refused the sign-in code (${answer.error ?? 'no token'}): ${answer.error_description ?? 'check --client-id and --client-secret-file'}`,
  );
}
