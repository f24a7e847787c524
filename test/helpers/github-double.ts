// A local stand-in for GitHub: the REST routes the App uses, each request first checked against GitHub's
// OpenAPI description (any mismatch is recorded in `problems`), App JWT and installation token checks,
// git smart HTTP for the repositories under `gitRoot`, and GitHub's OAuth web flow on the web host
// (/login/oauth/authorize and /login/oauth/access_token, as GitHub documents them). Loopback only.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { jwtProblem } from './app-keys.js';
import { serveGit } from './git-http-backend.js';
import { OpenApiRoutes } from './openapi-routes.js';

type Json = Record<string, unknown>;

export interface DoubleCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title?: string; summary?: string; text?: string } | null;
  annotations: Json[];
  /** Every request body that changed this run, in order. */
  updates: Json[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId?: string;
  body?: unknown;
  status: number;
}

export interface DoubleRepository {
  id: number;
  private: boolean;
  /** Users GitHub shows a private repository to. */
  readers: Set<string>;
}

/** The App's OAuth client as registered in its settings. */
export interface DoubleOAuthApp {
  clientId: string;
  clientSecret: string;
  callbackUrl: string;
}

// What a user-to-server token may call in this double; everything else wants the App or an installation.
const USER_OPERATIONS = new Set(['users/get-authenticated', 'repos/get']);
const CODE_TTL_MS = 10 * 60_000;

export const API_PREFIX = '/api/v3';
let routes: OpenApiRoutes | undefined;

export class GitHubDouble {
  readonly problems: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly gitRequests: { path: string; authorized: boolean }[] = [];
  readonly checkRuns: DoubleCheckRun[] = [];
  readonly issuedTokens = new Map<string, number>();
  /** Answer an operation with this status instead (a GitHub outage), while it returns a number. */
  intercept: ((operationId: string) => number | undefined) | undefined;
  /** Applies the request, then answers with this status instead: the reply lost on the way. */
  loseReply: ((operationId: string, body: unknown) => number | undefined) | undefined;
  private nextId = 4_000_000;
  url = '';
  oauthApp: DoubleOAuthApp | undefined;
  /** Who is signed in to GitHub in the browser that comes to /login/oauth/authorize; none: a login page. */
  webUser: string | undefined;
  readonly users = new Map<string, number>();
  readonly repositories = new Map<string, DoubleRepository>();
  /** User-to-server tokens issued by the web flow, and whose they are. */
  readonly userTokens = new Map<string, string>();
  /** Every code /login/oauth/authorize handed out, and the state it sent back with it. */
  readonly issuedCodes: { code: string; state: string | null }[] = [];
  private readonly codes = new Map<
    string,
    { login: string; redirectUri: string | null; expiresAt: number }
  >();

  private constructor(
    private readonly server: Server,
    private readonly o: { appId: number; publicKey: KeyObject; gitRoot: string },
  ) {}

  /** GitHub Enterprise Server style: the API under /api/v3 of the same host that serves git. */
  get apiUrl(): string {
    return `${this.url}${API_PREFIX}`;
  }

  static async start(o: {
    appId: number;
    publicKey: KeyObject;
    gitRoot: string;
  }): Promise<GitHubDouble> {
    routes ??= new OpenApiRoutes();
    const server = createServer();
    const double = new GitHubDouble(server, o);
    server.on('request', (req, res) => {
      double.handle(req, res).catch((err: Error) => {
        double.problems.push(`double crashed on ${req.method} ${req.url}: ${err.stack}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return double;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  runsFor(sha: string): DoubleCheckRun[] {
    return this.checkRuns.filter((r) => r.head_sha === sha);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    for (const token of [...this.issuedTokens.keys(), ...this.userTokens.keys()])
      if ((req.url ?? '').includes(token))
        this.problems.push(`a token appeared in a URL: ${req.url}`);
    if (this.oauthApp && (req.url ?? '').includes(this.oauthApp.clientSecret))
      this.problems.push(`the client secret appeared in a URL: ${req.url}`);
    if (url.pathname === '/login/oauth/authorize') return this.oauthAuthorize(req, res, url);
    if (url.pathname === '/login/oauth/access_token') return this.oauthAccessToken(req, res, url);
    const git = /^\/[^/]+\/[^/]+\.git(\/.*)?$/.exec(url.pathname);
    if (git) return this.git(req, res, url);
    if (!url.pathname.startsWith(`${API_PREFIX}/`))
      return this.reply(res, 404, { message: 'Not Found' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      this.problems.push(`${req.method} ${url.pathname}: body is not JSON`);
    }
    const path = url.pathname.slice(API_PREFIX.length);
    const method = req.method ?? 'GET';
    const checked = (routes as OpenApiRoutes).check(method, path, url.searchParams, body);
    this.problems.push(...checked.problems);
    const record: RecordedRequest = { method, path, body, status: 0 };
    this.requests.push(record);
    if (!('operationId' in checked)) return this.reply(res, 404, { message: 'Not Found' }, record);
    record.operationId = checked.operationId;
    const injected = this.intercept?.(checked.operationId);
    if (injected) return this.reply(res, injected, { message: 'injected failure' }, record);
    const authProblem = this.authorize(checked.operationId, req.headers.authorization ?? '');
    if (authProblem) {
      this.problems.push(`${method} ${path}: ${authProblem}`);
      return this.reply(res, 401, { message: 'Bad credentials' }, record);
    }
    const [status, out] = this.operate(
      checked.operationId,
      checked.params,
      url.searchParams,
      (body ?? {}) as Json,
      (req.headers.authorization ?? '').split(' ')[1] ?? '',
    );
    const lost = this.loseReply?.(checked.operationId, body);
    if (lost) return this.reply(res, lost, { message: 'injected: the reply was lost' }, record);
    return this.reply(res, status, out, record);
  }

  private reply(
    res: ServerResponse,
    status: number,
    body: unknown,
    record?: RecordedRequest,
  ): void {
    if (record) record.status = status;
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private authorize(operationId: string, header: string): string | null {
    const [scheme, token] = header.split(' ');
    if (operationId.startsWith('apps/')) {
      if (scheme?.toLowerCase() !== 'bearer' || !token)
        return `${operationId} needs the App JWT, got "${scheme}"`;
      return jwtProblem(token, this.o.publicKey, this.o.appId);
    }
    if (token && this.userTokens.has(token))
      return USER_OPERATIONS.has(operationId) ? null : `${operationId} with a user's token`;
    if (!token || !this.issuedTokens.has(token))
      return `${operationId} needs an installation token this double issued`;
    return null;
  }

  private operate(
    op: string,
    params: Record<string, string>,
    query: URLSearchParams,
    body: Json,
    token: string,
  ): [number, unknown] {
    switch (op) {
      case 'users/get-authenticated':
        return this.authenticatedUser(token);
      case 'repos/get':
        return this.repository(`${params.owner}/${params.repo}`, this.userTokens.get(token));
      case 'apps/create-installation-access-token': {
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        this.issuedTokens.set(token, Number(params.installation_id));
        return [
          201,
          {
            token,
            expires_at: new Date(Date.now() + 3600_000).toISOString(),
            permissions: { checks: 'write', contents: 'read', metadata: 'read' },
            repository_selection: 'all',
          },
        ];
      }
      case 'apps/get-repo-installation':
        return [
          200,
          { id: 4242, app_id: this.o.appId, account: { login: params.owner }, target_type: 'User' },
        ];
      case 'checks/create':
        return [201, this.createRun(params, body)];
      case 'checks/get': {
        const run = this.checkRuns.find((r) => r.id === Number(params.check_run_id));
        return run ? [200, this.view(run)] : [404, { message: 'Not Found' }];
      }
      case 'checks/update':
        return this.updateRun(Number(params.check_run_id), body);
      case 'checks/list-for-ref': {
        const runs = this.checkRuns.filter(
          (r) =>
            r.head_sha === params.ref &&
            (!query.get('check_name') || r.name === query.get('check_name')),
        );
        return [200, { total_count: runs.length, check_runs: runs.map((r) => this.view(r)) }];
      }
      default:
        this.problems.push(`the double does not implement ${op}`);
        return [501, { message: `${op} not implemented by the double` }];
    }
  }

  private authenticatedUser(token: string): [number, unknown] {
    const login = this.userTokens.get(token);
    if (!login) return [403, { message: 'Resource not accessible by integration' }];
    const id = this.users.get(login) ?? 0;
    return [200, { login, id, node_id: `U_${id}`, type: 'User', site_admin: false }];
  }

  /** GitHub answers 404, not 403, for a private repository the user cannot read. */
  private repository(fullName: string, login: string | undefined): [number, unknown] {
    const r = [...this.repositories].find(([n]) => n.toLowerCase() === fullName.toLowerCase());
    const [name, repo] = r ?? [];
    const readable = repo && (!repo.private || (login !== undefined && repo.readers.has(login)));
    if (!name || !repo || !readable) return [404, { message: 'Not Found' }];
    const [owner = '', short = ''] = name.split('/');
    return [
      200,
      {
        id: repo.id,
        name: short,
        full_name: name,
        private: repo.private,
        owner: { login: owner },
        html_url: `${this.url}/${name}`,
        permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
      },
    ];
  }

  /** GET /login/oauth/authorize: GitHub's page; a signed-in user who authorized before is sent straight back. */
  private oauthAuthorize(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    const app = this.oauthApp;
    const redirect = q.get('redirect_uri');
    const problem =
      req.method !== 'GET'
        ? `authorize with ${req.method}`
        : !app || q.get('client_id') !== app.clientId
          ? `authorize with an unknown client_id ${q.get('client_id')}`
          : redirect !== null && !this.underCallback(redirect, app.callbackUrl)
            ? `redirect_uri ${redirect} is not under the callback URL ${app.callbackUrl}`
            : null;
    if (problem) {
      this.problems.push(problem);
      res.writeHead(400, { 'Content-Type': 'text/html' }).end(`<p>${problem}</p>`);
      return;
    }
    if (!this.webUser) {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>Sign in to GitHub</title>');
      return;
    }
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, {
      login: this.webUser,
      redirectUri: redirect,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    this.issuedCodes.push({ code, state: q.get('state') });
    const back = new URL(redirect ?? (app as DoubleOAuthApp).callbackUrl);
    back.searchParams.set('code', code);
    if (q.get('state') !== null) back.searchParams.set('state', q.get('state') as string);
    res.writeHead(302, { Location: back.toString() }).end();
  }

  private underCallback(redirect: string, callback: string): boolean {
    try {
      const r = new URL(redirect);
      const c = new URL(callback);
      return r.origin === c.origin && r.pathname.startsWith(c.pathname);
    } catch {
      return false;
    }
  }

  /** POST /login/oauth/access_token: a code (single use, ten minutes) for a user-to-server token. */
  private async oauthAccessToken(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const type = req.headers['content-type'] ?? '';
    const params = type.includes('json')
      ? new URLSearchParams(JSON.parse(raw || '{}') as Record<string, string>)
      : new URLSearchParams(raw);
    for (const [k, v] of url.searchParams) params.set(k, v);
    const answer = (status: number, body: Record<string, string | number>): void => {
      const json = (req.headers.accept ?? '').includes('application/json');
      const text = json
        ? JSON.stringify(body)
        : new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString();
      res.writeHead(status, {
        'Content-Type': json
          ? 'application/json; charset=utf-8'
          : 'application/x-www-form-urlencoded',
      });
      res.end(text);
    };
    if (req.method !== 'POST') return answer(404, { error: 'Not Found' });
    const app = this.oauthApp;
    if (
      !app ||
      params.get('client_id') !== app.clientId ||
      params.get('client_secret') !== app.clientSecret
    )
      return answer(200, {
        error: 'incorrect_client_credentials',
        error_description: 'The client_id and/or client_secret passed are incorrect.',
      });
    const code = params.get('code') ?? '';
    const issued = this.codes.get(code);
    this.codes.delete(code);
    if (!issued || issued.expiresAt < Date.now())
      return answer(200, {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      });
    const redirect = params.get('redirect_uri');
    if (issued.redirectUri !== null && redirect !== issued.redirectUri)
      return answer(200, {
        error: 'redirect_uri_mismatch',
        error_description:
          'The redirect_uri MUST match the registered callback URL for this application.',
      });
    const token = `ghu_${randomBytes(18).toString('hex')}`;
    this.userTokens.set(token, issued.login);
    return answer(200, {
      access_token: token,
      expires_in: 28800,
      refresh_token: `ghr_${randomBytes(30).toString('hex')}`,
      refresh_token_expires_in: 15811200,
      scope: '',
      token_type: 'bearer',
    });
  }

  private createRun(params: Record<string, string>, body: Json): unknown {
    const run: DoubleCheckRun = {
      id: this.nextId++,
      owner: params.owner ?? '',
      repo: params.repo ?? '',
      name: String(body.name),
      head_sha: String(body.head_sha),
      status: String(body.status ?? 'queued'),
      conclusion: null,
      external_id: (body.external_id as string | undefined) ?? null,
      details_url: (body.details_url as string | undefined) ?? null,
      started_at: null,
      completed_at: null,
      output: null,
      annotations: [],
      updates: [body],
    };
    this.checkRuns.push(run);
    this.apply(run, body);
    return this.view(run);
  }

  private updateRun(id: number, body: Json): [number, unknown] {
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) return [404, { message: 'Not Found' }];
    if (run.status === 'completed' && body.status === 'completed')
      this.problems.push(`check run ${id} was completed twice`);
    run.updates.push(body);
    this.apply(run, body);
    return [200, this.view(run)];
  }

  private apply(run: DoubleCheckRun, body: Json): void {
    if (body.status) run.status = String(body.status);
    if (body.conclusion) {
      run.conclusion = String(body.conclusion);
      run.status = 'completed';
    }
    if (body.started_at) run.started_at = String(body.started_at);
    if (body.completed_at) run.completed_at = String(body.completed_at);
    const output = body.output as (Json & { annotations?: Json[] }) | undefined;
    if (output) {
      const { annotations, ...rest } = output;
      run.output = rest as DoubleCheckRun['output'];
      // GitHub appends annotations on every update.
      if (annotations) run.annotations.push(...annotations);
    }
  }

  private view(r: DoubleCheckRun): Json {
    return {
      id: r.id,
      head_sha: r.head_sha,
      node_id: `CR_${r.id}`,
      external_id: r.external_id,
      url: `${this.apiUrl}/repos/${r.owner}/${r.repo}/check-runs/${r.id}`,
      html_url: `${this.url}/${r.owner}/${r.repo}/runs/${r.id}`,
      details_url: r.details_url,
      status: r.status,
      conclusion: r.conclusion,
      started_at: r.started_at,
      completed_at: r.completed_at,
      output: { ...r.output, annotations_count: r.annotations.length },
      name: r.name,
      pull_requests: [],
    };
  }

  private git(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const [scheme, value] = (req.headers.authorization ?? '').split(' ');
    const decoded =
      scheme?.toLowerCase() === 'basic' ? Buffer.from(value ?? '', 'base64').toString() : '';
    const token = decoded.startsWith('x-access-token:')
      ? decoded.slice('x-access-token:'.length)
      : '';
    const authorized = this.issuedTokens.has(token);
    this.gitRequests.push({ path: url.pathname, authorized });
    if (!authorized) {
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="GitHub"',
        'Content-Type': 'text/plain',
      });
      res.end('authentication required\n');
      return;
    }
    serveGit(req, res, this.o.gitRoot, url.pathname, url.search.slice(1));
  }
}
