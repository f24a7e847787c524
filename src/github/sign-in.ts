// Sign-in with GitHub for private repositories' report pages: the OAuth web flow, a signed session
// cookie, and the user's read access checked with GitHub at sign-in and again once it is older than
// `recheckMs`. Sessions live in this process: a restart asks users to sign in again.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizeUrl, exchangeCode, type OAuthClient } from './oauth-web-flow.js';
import { notFound, sendPage, sendText } from './page-response.js';
import {
  readAccess,
  signedInUser,
  type ReadAccess,
  type RunRepository,
  type SignedInUser,
} from './repository-reader.js';
import { parseCookies, setCookie, signCookieValue, verifyCookieValue } from './signed-cookie.js';

export const CALLBACK_PATH = '/auth/callback';
export const DEFAULT_RECHECK_MS = 10 * 60_000;
/** GitHub's user tokens for Apps expire after 8 hours; the session does not outlive its token. */
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;
const STATE_TTL_MS = 10 * 60_000;
// Strangers can start sign-ins at will: the oldest are forgotten rather than memory growing.
const MAX_PENDING = 1_000;
const MAX_SESSIONS = 10_000;

export interface SignInOptions {
  clientId: string;
  clientSecret: string;
  /** Where /login/oauth lives: https://github.com or the GHES host. */
  webUrl: string;
  apiUrl: string;
  /** This server as users reach it: the callback is beneath it, and https there makes cookies Secure. */
  publicUrl: () => string;
  recheckMs?: number;
  sessionTtlMs?: number;
  now?: () => number;
  log: (line: string) => void;
}

interface PendingSignIn {
  returnTo: string;
  repository: RunRepository;
  expiresAt: number;
}

interface Session {
  user: SignedInUser;
  token: string;
  expiresAt: number;
  /** When GitHub last said this user can read the repository, by repository id. */
  checked: Map<number, number>;
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  while (map.size >= max) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

export class SignIn {
  // Per process, like the sessions it signs for: nothing to configure, nothing to leak from disk.
  private readonly key = randomBytes(32);
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly o: SignInOptions) {
    this.now = o.now ?? Date.now;
  }

  private get secure(): boolean {
    return new URL(this.o.publicUrl()).protocol === 'https:';
  }

  /** `__Host-` behind https: the browser then refuses the cookie from any other host or path. */
  private cookieName(kind: 'session' | 'sign-in'): string {
    return `${this.secure ? '__Host-' : ''}contractor-${kind}`;
  }

  private client(): OAuthClient {
    return {
      webUrl: this.o.webUrl,
      clientId: this.o.clientId,
      clientSecret: this.o.clientSecret,
      redirectUri: `${this.o.publicUrl().replace(/\/+$/, '')}${CALLBACK_PATH}`,
    };
  }

  /**
   * PrivateReports: true when the signed-in user can read the repository; otherwise this has answered:
   * a stranger is sent to sign in, a user GitHub does not show the repository to gets 404.
   */
  async admit(
    req: IncomingMessage,
    res: ServerResponse,
    repository: RunRepository,
    returnTo: string,
  ): Promise<boolean> {
    const now = this.now();
    const found = this.sessionOf(req, now);
    if (!found) return this.sendToSignIn(res, repository, returnTo, now);
    const [sid, session] = found;
    const at = session.checked.get(repository.repoId);
    if (at !== undefined && now - at < (this.o.recheckMs ?? DEFAULT_RECHECK_MS)) return true;
    const access = await this.access(res, session.token, repository);
    if (access === undefined) return false;
    if (access === 'yes') {
      session.checked.set(repository.repoId, now);
      return true;
    }
    session.checked.delete(repository.repoId);
    if (access === 'no') return (notFound(res), false);
    this.sessions.delete(sid);
    return this.sendToSignIn(res, repository, returnTo, now);
  }

  /** GET /auth/callback?code&state: GitHub sends the browser back here after the user authorized. */
  async callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = this.now();
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const state = query.get('state') ?? '';
    const pending = this.pending.get(state);
    // Single use: a state is spent by its first callback, whatever becomes of it.
    this.pending.delete(state);
    const signed = parseCookies(req.headers.cookie).get(this.cookieName('sign-in')) ?? '';
    const fromThisBrowser = verifyCookieValue(this.key, 'sign-in', signed) === state;
    const clearState = setCookie(this.cookieName('sign-in'), '', {
      maxAgeSeconds: 0,
      secure: this.secure,
    });
    if (!pending || pending.expiresAt <= now || !fromThisBrowser)
      return sendPage(
        res,
        400,
        'text/plain; charset=utf-8',
        'This sign-in expired, was already used, or began in another browser: open the report link again.\n',
        { 'Set-Cookie': clearState },
      );
    const code = query.get('code');
    if (!code)
      return sendText(res, 403, `GitHub did not sign you in (${query.get('error') ?? 'no code'}).`);
    let token: string;
    let user: SignedInUser;
    try {
      token = await exchangeCode(this.client(), code);
      user = await signedInUser(this.o.apiUrl, token);
    } catch (err) {
      this.o.log(`sign-in: ${(err as Error).message}`);
      return sendText(res, 502, 'GitHub did not complete the sign-in; open the report link again.');
    }
    const access = await this.access(res, token, pending.repository);
    if (access === undefined) return;
    const expiresAt = now + (this.o.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS);
    const checked = new Map<number, number>(
      access === 'yes' ? [[pending.repository.repoId, now]] : [],
    );
    const sid = randomBytes(32).toString('base64url');
    this.prune(now);
    remember(this.sessions, sid, { user, token, expiresAt, checked }, MAX_SESSIONS);
    const cookie = setCookie(
      this.cookieName('session'),
      signCookieValue(this.key, 'session', `${sid}.${expiresAt}`),
      { maxAgeSeconds: (expiresAt - now) / 1000, secure: this.secure },
    );
    sendPage(res, 302, 'text/plain; charset=utf-8', 'signed in\n', {
      Location: pending.returnTo,
      'Set-Cookie': [cookie, clearState],
    });
  }

  /** The session a valid, unexpired, untampered cookie names; undefined for anything else. */
  private sessionOf(req: IncomingMessage, now: number): [string, Session] | undefined {
    const signed = parseCookies(req.headers.cookie).get(this.cookieName('session'));
    const value = signed && verifyCookieValue(this.key, 'session', signed);
    if (!value) return undefined;
    const [sid = '', exp] = value.split('.');
    const session = this.sessions.get(sid);
    if (!session || String(session.expiresAt) !== exp || session.expiresAt <= now) return undefined;
    return [sid, session];
  }

  private sendToSignIn(
    res: ServerResponse,
    repository: RunRepository,
    returnTo: string,
    now: number,
  ): false {
    const state = randomBytes(32).toString('base64url');
    remember(
      this.pending,
      state,
      { returnTo, repository, expiresAt: now + STATE_TTL_MS },
      MAX_PENDING,
    );
    // The state is tied to this browser too: a callback link made by someone else signs nobody in.
    const cookie = setCookie(
      this.cookieName('sign-in'),
      signCookieValue(this.key, 'sign-in', state),
      {
        maxAgeSeconds: STATE_TTL_MS / 1000,
        secure: this.secure,
      },
    );
    sendPage(res, 302, 'text/plain; charset=utf-8', 'sign in with GitHub to see this run\n', {
      Location: authorizeUrl(this.client(), state),
      'Set-Cookie': cookie,
    });
    return false;
  }

  /** GitHub's answer, or undefined once a 503 is sent: no answer is never taken as access. */
  private async access(
    res: ServerResponse,
    token: string,
    repository: RunRepository,
  ): Promise<ReadAccess | undefined> {
    try {
      return await readAccess(this.o.apiUrl, token, repository);
    } catch (err) {
      this.o.log(
        `sign-in: cannot check access to ${repository.owner}/${repository.repo}: ${(err as Error).message}`,
      );
      sendText(
        res,
        503,
        'GitHub did not say whether you can read this repository; try again shortly.',
      );
      return undefined;
    }
  }

  private prune(now: number): void {
    for (const [sid, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(sid);
    for (const [state, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(state);
  }
}
