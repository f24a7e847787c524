// The report page in Debian's headless Chromium: escaped log, violations, artifact and attestation
// downloads, a CSP under which the page's own style applies and nothing else runs; no path traversal.
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { completed, startHarness, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

let h: Harness;
let browser: BrowserContext;
let profile: string;
let page = '';
let sha = '';

function fetchRaw(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

test.before(async () => {
  h = await startHarness();
  sha = h.repo.commit({ build: 'violate 2', ref: 'refs/heads/report' });
  const push = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    {
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
    },
  );
  await deliver(h.app.url, 'push', push);
  const [run] = await h.waitForRuns(sha, completed());
  page = run?.details_url ?? '';
  profile = mkdtempSync(join(tmpdir(), 'contractor-chromium-'));
  // A fresh profile each run; Playwright takes it as the persistent context's directory.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    acceptDownloads: true,
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
  rmSync(profile, { recursive: true, force: true });
  await h.close();
});

test('shows status, violations and the escaped log; runs nothing the build wrote', async () => {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  tab.on('pageerror', (e) => errors.push(e.message));
  tab.on('dialog', (d) => errors.push(`dialog: ${d.message()}`));
  const res = await tab.goto(page);
  assert.is(res?.status(), 200);
  assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  assert.match((await tab.textContent('#status')) ?? '', /^violation: 2 violation\(s\)/);
  const log = (await tab.textContent('#log')) ?? '';
  assert.match(log, /<script>alert\(1\)<\/script><img src=x onerror=/);
  assert.not.match(log, /\x1b/);
  assert.is(await tab.locator('#log script, #log img').count(), 0);
  assert.not.equal(await tab.title(), 'pwned');
  assert.match((await tab.textContent('#violations')) ?? '', /evil-1\.example\.com:443/);
  // The stylesheet's hash is in the CSP: it applies, and nothing is reported as blocked.
  const colour = await tab.evaluate(
    () => getComputedStyle(document.querySelector('#status') as Element).color,
  );
  assert.is(colour, 'rgb(207, 34, 46)');
  assert.equal(errors, []);
  await tab.close();
});

test('artifact and attestation links download the files the run produced', async () => {
  const tab = await browser.newPage();
  await tab.goto(page);
  const [download] = await Promise.all([tab.waitForEvent('download'), tab.click('a.artifact')]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  assert.is(readFileSync(path, 'utf8'), `hello from ${sha}\n`);
  const [att] = await Promise.all([tab.waitForEvent('download'), tab.click('#attestation')]);
  assert.match(readFileSync(await att.path(), 'utf8'), /in-toto/);
  await tab.close();
});

test('refuses paths out of the run directory and files the result does not list', async () => {
  const base = page;
  for (const bad of [
    `${base}/artifacts/..%2f..%2fqueue.sqlite`,
    `${base}/artifacts/dist%2f..%2f..%2fresult.json`,
    `${base}/artifacts/%2e%2e/result.json`,
    `${base}/artifacts/dist/other.txt`,
    `${h.app.url}/runs/..%2fqueue.sqlite`,
    `${h.app.url}/runs/20990101T000000Z-00000000`,
  ]) {
    const r = await fetchRaw(bad);
    assert.is(r.status, 404, bad);
  }
  const ok = await fetchRaw(`${base}/artifacts/dist/hello.txt`);
  assert.is(ok.status, 200);
  assert.match(String(ok.headers['content-disposition']), /^attachment/);
  assert.match(String(ok.headers['content-security-policy']), /sandbox/);
});

test.run();
