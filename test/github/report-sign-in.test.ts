// Sign-in with GitHub for private repositories' report pages, in Debian's headless Chromium against
// the API double's OAuth web flow: a stranger is sent to sign in, a reader sees the page, a signed-in
// user GitHub hides the repository from gets 404, and forged cookies and replayed states get nothing.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signCookieValue } from '../../src/github/signed-cookie.js';
import { completed, startHarness, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

const CLIENT = { clientId: 'Iv1.0123456789abcdef', clientSecret: 'client secret of the test App' };
const MINUTE = 60_000;
const REPO_ID = 186853002;

let h: Harness;
let browser: Browser;
let skew = 0;
let privatePage = '';
let publicPage = '';
let aliceSession = '';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(url: string, cookie?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie ? { Cookie: cookie } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

function setCookies(r: Raw): string[] {
  return (r.headers['set-cookie'] as string[] | undefined) ?? [];
}

/** name=value of the first Set-Cookie for name, ready for a Cookie header. */
function cookiePair(r: Raw, name: string): string {
  const line = setCookies(r).find((c) => c.startsWith(`${name}=`)) ?? '';
  return line.split(';')[0] ?? '';
}

async function pushRun(h: Harness, o: { ref: string; private: boolean }): Promise<string> {
  const sha = h.repo.commit({ build: 'violate 1', ref: o.ref });
  const push = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha },
  );
  (push.repository as Record<string, unknown>).private = o.private;
  await deliver(h.app.url, 'push', push);
  const [run] = await h.waitForRuns(sha, completed());
  return run?.details_url ?? '';
}

async function context(): Promise<BrowserContext> {
  return browser.newContext();
}

test.before(async () => {
  h = await startHarness({ signIn: { ...CLIENT, now: () => Date.now() + skew } });
  h.double.users.set('alice', 1001).set('bob', 1002);
  h.double.repositories.set('Codertocat/Hello-World', {
    id: REPO_ID,
    private: true,
    readers: new Set(['alice']),
  });
  publicPage = await pushRun(h, { ref: 'refs/heads/public', private: false });
  privatePage = await pushRun(h, { ref: 'refs/heads/private', private: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

test.after(async () => {
  await browser?.close();
  await h.close();
});

test('run ids carry 128 random bits', () => {
  for (const page of [publicPage, privatePage])
    assert.match(page, new RegExp(`^${h.app.url}/runs/\\d{8}T\\d{6}Z-[0-9a-f]{32}$`));
});

test('a stranger is sent to sign in with GitHub; a public repository stays readable', async () => {
  const ctx = await context();
  const tab = await ctx.newPage();
  await tab.goto(privatePage);
  const at = new URL(tab.url());
  assert.is(`${at.origin}${at.pathname}`, `${h.double.url}/login/oauth/authorize`);
  assert.is(at.searchParams.get('client_id'), CLIENT.clientId);
  assert.is(at.searchParams.get('redirect_uri'), `${h.app.url}/auth/callback`);
  assert.match(at.searchParams.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.is(await tab.title(), 'Sign in to GitHub');
  const shown = await tab.goto(publicPage);
  assert.is(shown?.status(), 200);
  assert.match(shown?.headers()['x-robots-tag'] ?? '', /noindex/);
  assert.match((await tab.textContent('#status')) ?? '', /^violation/);
  await ctx.close();
  // Everything of the run is behind sign-in, not only the page.
  for (const path of ['', '/log.txt', '/artifacts/dist/hello.txt', '/attestation']) {
    const r = await raw(`${privatePage}${path}`);
    assert.is(r.status, 302, path);
    assert.match(String(r.headers.location), /\/login\/oauth\/authorize\?/);
    assert.match(String(r.headers['x-robots-tag']), /noindex/);
  }
});

test('a reader signs in and sees the page; the cookie is HttpOnly, SameSite=Lax and expiring', async () => {
  h.double.webUser = 'alice';
  const ctx = await context();
  const tab = await ctx.newPage();
  const res = await tab.goto(privatePage);
  assert.is(tab.url(), privatePage);
  assert.is(res?.status(), 200);
  assert.match(res?.headers()['x-robots-tag'] ?? '', /noindex/);
  assert.match((await tab.textContent('#status')) ?? '', /^violation: 1 violation/);
  const cookies = await ctx.cookies();
  const session = cookies.find((c) => c.name === 'contractor-session');
  assert.ok(session, JSON.stringify(cookies));
  assert.is(session?.httpOnly, true);
  assert.is(session?.sameSite, 'Lax');
  assert.is(session?.secure, false);
  const hours = ((session?.expires ?? 0) * 1000 - Date.now()) / 3_600_000;
  assert.ok(hours > 7 && hours <= 8, `expires in ${hours} h`);
  assert.not.ok(cookies.some((c) => c.name === 'contractor-sign-in' && c.value));
  aliceSession = `contractor-session=${session?.value}`;
  const ops = h.double.requests.map((r) => r.operationId);
  assert.ok(ops.includes('users/get-authenticated') && ops.includes('repos/get'), String(ops));
  assert.equal(h.double.problems, []);
  await ctx.close();
});

test('a signed-in user who cannot read the repository gets 404', async () => {
  h.double.webUser = 'bob';
  const ctx = await context();
  const tab = await ctx.newPage();
  const res = await tab.goto(privatePage);
  assert.is(tab.url(), privatePage);
  assert.is(res?.status(), 404);
  assert.not.match((await tab.content()) ?? '', /violation/);
  assert.is((await tab.goto(`${privatePage}/log.txt`))?.status(), 404);
  assert.is((await tab.goto(publicPage))?.status(), 200);
  assert.equal(h.double.problems, []);
  await ctx.close();
});

test("a private repository's runs page and badges need the same read access as its runs", async () => {
  const repoPage = `${h.app.url}/repos/Codertocat/Hello-World`;
  const badges = ['master', 'no-such-branch'].map(
    (b) => `${h.app.url}/badge/Codertocat/Hello-World/${b}.svg`,
  );
  for (const url of [repoPage, ...badges]) {
    const stranger = await raw(url);
    assert.is(stranger.status, 302, url);
    assert.match(String(stranger.headers.location), /\/login\/oauth\/authorize\?/);
    assert.not.match(stranger.body, /violation|refs|runs\//);
  }
  const reader = await raw(repoPage, aliceSession);
  assert.is(reader.status, 200);
  // The example pushes are to master: both runs are listed.
  assert.is(reader.body.match(/<li>/g)?.length, 2);
  assert.match(reader.body, /branch master/);
  const badge = await raw(badges[0] ?? '', aliceSession);
  assert.is(badge.status, 200);
  assert.match(badge.body, /violation/);
  // bob signs in through Chromium, and GitHub hides the repository from him.
  h.double.webUser = 'bob';
  const ctx = await context();
  const tab = await ctx.newPage();
  const res = await tab.goto(repoPage);
  assert.is(tab.url(), repoPage);
  assert.is(res?.status(), 404);
  assert.not.match(await tab.content(), /violation|branch/);
  assert.is((await tab.goto(badges[0] ?? ''))?.status(), 404);
  await ctx.close();
  assert.equal(h.double.problems, []);
});

test('read access is asked of GitHub again once the last answer is older than the recheck time', async () => {
  const readers = h.double.repositories.get('Codertocat/Hello-World')?.readers as Set<string>;
  readers.delete('alice');
  try {
    assert.is((await raw(privatePage, aliceSession)).status, 200);
    skew += 11 * MINUTE;
    const r = await raw(privatePage, aliceSession);
    assert.is(r.status, 404);
    assert.not.match(r.body, /violation/);
  } finally {
    readers.add('alice');
  }
  assert.is((await raw(privatePage, aliceSession)).status, 200);
});

test('a tampered or forged session cookie is sent to sign in', async () => {
  assert.is((await raw(privatePage, aliceSession)).status, 200);
  const value = aliceSession.slice('contractor-session='.length);
  const dot = value.lastIndexOf('.');
  const [sid, exp] = value.slice(0, dot).split('.');
  const mac = value.slice(dot + 1);
  const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
  const otherKey = randomBytes(32);
  for (const bad of [
    `${sid}.${exp}.${flipped}`,
    `${sid}.${Number(exp) + 3_600_000}.${mac}`,
    `${sid}.${exp}`,
    signCookieValue(otherKey, 'session', `${sid}.${exp}`),
    signCookieValue(otherKey, 'session', `${randomBytes(32).toString('base64url')}.${exp}`),
  ]) {
    const r = await raw(privatePage, `contractor-session=${bad}`);
    assert.is(r.status, 302, bad);
    assert.match(String(r.headers.location), /\/login\/oauth\/authorize\?/);
  }
  // Nobody is signed in to GitHub in this browser: the sign-in page is where it stops.
  h.double.webUser = undefined;
  const ctx = await context();
  await ctx.addCookies([
    { name: 'contractor-session', value: `${sid}.${exp}.${flipped}`, url: h.app.url },
  ]);
  const tab = await ctx.newPage();
  await tab.goto(privatePage);
  assert.match(tab.url(), new RegExp(`^${h.double.url}/login/oauth/authorize\\?`));
  await ctx.close();
});

test('a state signs in once, only in the browser it was given to, and only for a while', async () => {
  h.double.webUser = 'alice';
  // One sign-in, step by step as the browser would take it.
  const start = await raw(privatePage);
  const stateCookie = cookiePair(start, 'contractor-sign-in');
  const authorize = String(start.headers.location);
  const back = await raw(authorize);
  const callback = String(back.headers.location);
  assert.match(callback, new RegExp(`^${h.app.url}/auth/callback\\?code=`));
  const signedIn = await raw(callback, stateCookie);
  assert.is(signedIn.status, 302);
  assert.is(signedIn.headers.location, new URL(privatePage).pathname);
  assert.ok(cookiePair(signedIn, 'contractor-session').length > 'contractor-session='.length);
  // GitHub hands out a fresh code for the same state: the state is spent all the same.
  const again = String((await raw(authorize)).headers.location);
  assert.not.equal(again, callback);
  const replayed = await raw(again, stateCookie);
  assert.is(replayed.status, 400);
  assert.is(cookiePair(replayed, 'contractor-session'), '');
  // A callback link someone else made (their state, not this browser's) signs nobody in.
  const theirs = await raw(privatePage);
  const theirLink = String((await raw(String(theirs.headers.location))).headers.location);
  assert.is((await raw(theirLink)).status, 400);
  assert.is((await raw(theirLink, stateCookie)).status, 400);
  // A state older than ten minutes is refused.
  const late = await raw(privatePage);
  const lateLink = String((await raw(String(late.headers.location))).headers.location);
  skew += 11 * MINUTE;
  assert.is((await raw(lateLink, cookiePair(late, 'contractor-sign-in'))).status, 400);
  assert.equal(h.double.problems, []);
});

test('behind https the cookies are Secure and host-only (__Host-)', async () => {
  const secure = await startHarness({
    signIn: CLIENT,
    publicUrl: 'https://contractor.invalid',
  });
  try {
    secure.double.webUser = 'alice';
    secure.double.users.set('alice', 1001);
    secure.double.repositories.set('Codertocat/Hello-World', {
      id: REPO_ID,
      private: true,
      readers: new Set(['alice']),
    });
    const page = (await pushRun(secure, { ref: 'refs/heads/tls', private: true })).replace(
      'https://contractor.invalid',
      secure.app.url,
    );
    const start = await raw(page);
    assert.is(start.status, 302);
    const [state] = setCookies(start);
    assert.match(
      state ?? '',
      /^__Host-contractor-sign-in=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
    const back = String((await raw(String(start.headers.location))).headers.location);
    assert.match(back, /^https:\/\/contractor\.invalid\/auth\/callback\?code=/);
    const done = await raw(
      back.replace('https://contractor.invalid', secure.app.url),
      cookiePair(start, '__Host-contractor-sign-in'),
    );
    assert.is(done.status, 302);
    const session = setCookies(done).find((c) => c.startsWith('__Host-contractor-session=')) ?? '';
    assert.match(session, /; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax; Secure$/);
    assert.is((await raw(page, session.split(';')[0])).status, 200);
    assert.equal(secure.double.problems, []);
  } finally {
    await secure.close();
  }
});

test.run();
