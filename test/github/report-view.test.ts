// The report page as people see it, in Debian's headless Chromium: header with links back to GitHub,
// a phase timeline, a numbered log in colour, violations linked to their line, a repository's runs,
// a branch badge. Commit title, author, branch and log are the attacker's: shown, never obeyed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobExecutor } from '../../src/manager/executor.js';
import type { JobResult } from '../../src/manager/job.js';
import { completed, startHarness, type Harness } from '../helpers/app-harness.js';
import { scriptedExecutor } from '../helpers/scripted-executor.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

const BRANCH = `evil<script>alert("branch")</script>&"'`;
const TITLE_SCRIPT = `<script>alert("title")</script>`;
// git keeps no angle brackets in a name: entities test the escaping instead.
const AUTHOR = `Mallory &amp; "&lt;b&gt;" O'Hare`;

// Line numbers matter: the violation's destination is named on line 7.
const HOSTILE_LOG = [
  'fetching dependencies',
  '\x1b[31mred error\x1b[0m then \x1b[1;32mbold green',
  'still green on the next line\x1b[0m',
  '<script>alert(1)</script><img src=x onerror="document.title=\'pwned\'">',
  '\x1b]8;;javascript:alert(2)\x07click me\x1b]8;;\x07 \x1b]0;pwned\x07\x1b[2J\x1b[H cleared?',
  '\x1b[38;2;255;0;0mtrue colour\x1b[0m \x1b[38;5;196mpalette\x1b[0m',
  'curl: (56) CONNECT tunnel failed for evil-0.example.com:443, response 403',
  'done',
  '',
].join('\n');

/** Screenshots land here for a person to look at; the test reads them back as PNGs. */
const SHOTS = join(tmpdir(), 'contractor-report-screenshots');

let h: Harness;
let browser: Browser;
let page = '';
let sha = '';

/** The scripted worker, with a two-phase timeline and the hostile log above. */
function hostileExecutor(): JobExecutor {
  const scripted = scriptedExecutor();
  return async (req) => {
    const r = await scripted(req);
    const result: JobResult = {
      ...r,
      phases: [
        {
          name: 'setup',
          exitCode: 0,
          durationMs: 4200,
          cpuMs: 3100,
          maxMemoryBytes: 180 * 2 ** 20,
        },
        {
          name: 'build',
          exitCode: 2,
          durationMs: 9800,
          cpuMs: 15400,
          maxMemoryBytes: 1.5 * 2 ** 30,
        },
      ],
    };
    await writeFile(join(req.outDir, 'log.txt'), HOSTILE_LOG);
    await writeFile(join(req.outDir, 'result.json'), JSON.stringify(result));
    return result;
  };
}

async function shot(tab: Page, name: string): Promise<Buffer> {
  mkdirSync(SHOTS, { recursive: true });
  const png = await tab.screenshot({ fullPage: true });
  writeFileSync(join(SHOTS, `${name}.png`), png);
  return png;
}

test.before(async () => {
  h = await startHarness({ execute: hostileExecutor() });
  h.repo.commit({ build: `violate 1 ${TITLE_SCRIPT}`, ref: 'refs/heads/view' });
  h.repo.work.git('commit', '-q', '--amend', '--no-edit', `--author=${AUTHOR} <m@evil.invalid>`);
  sha = h.repo.work.git('rev-parse', 'HEAD');
  h.repo.work.git('push', '-q', '-f', h.repo.bare, `HEAD:refs/heads/${BRANCH}`);
  const push = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha },
  );
  push.ref = `refs/heads/${BRANCH}`;
  await deliver(h.app.url, 'push', push);
  const [run] = await h.waitForRuns(sha, completed());
  page = run?.details_url ?? '';
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

test.after(async () => {
  await browser?.close();
  await h.close();
});

/** A tab that records everything a hostile page could make happen: errors, CSP refusals, dialogs. */
async function watchedTab(): Promise<{ tab: Page; errors: string[] }> {
  const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  tab.on('pageerror', (e) => errors.push(e.message));
  tab.on('dialog', (d) => errors.push(`dialog: ${d.message()}`));
  return { tab, errors };
}

test('the header names repository, branch, commit title and author, linked back to GitHub', async () => {
  const { tab, errors } = await watchedTab();
  assert.is((await tab.goto(page))?.status(), 200);
  const web = h.double.url;
  const repo = `${web}/Codertocat/Hello-World`;
  assert.is(await tab.getAttribute('#repository', 'href'), repo);
  assert.is(await tab.textContent('#repository'), 'Codertocat/Hello-World');
  assert.is(await tab.textContent('#lane'), `branch ${BRANCH}`);
  assert.is(
    await tab.getAttribute('#lane', 'href'),
    `${repo}/tree/${BRANCH.split('/').map(encodeURIComponent).join('/')}`,
  );
  assert.is(await tab.textContent('#commit-title'), `head violate 1 ${TITLE_SCRIPT}`);
  assert.is(await tab.getAttribute('#commit', 'href'), `${repo}/commit/${sha}`);
  assert.is(await tab.textContent('#author'), AUTHOR);
  assert.is(
    await tab.getAttribute('#author', 'href'),
    `${repo}/commits?author=${encodeURIComponent('m@evil.invalid')}`,
  );
  assert.is(await tab.textContent('header .badge.violation'), 'violation');
  assert.is(await tab.locator('header script, header b, header img').count(), 0);
  assert.is(
    await tab.title(),
    `Codertocat/Hello-World violation: ${sha.slice(0, 12)} · contractor`,
  );
  assert.equal(errors, []);
  await tab.close();
});

test('the timeline draws each phase with its time, CPU and peak memory', async () => {
  const { tab, errors } = await watchedTab();
  await tab.goto(page);
  const phases = tab.locator('svg.timeline g.phase');
  assert.is(await phases.count(), 2);
  assert.match(
    (await phases.nth(0).textContent()) ?? '',
    /^setup4\.2s · CPU 3\.1s · peak 180 ?MiB · exit 0$/,
  );
  assert.match(
    (await phases.nth(1).textContent()) ?? '',
    /^build9\.8s · CPU 15\.4s · peak 1\.5 ?GiB · exit 2$/,
  );
  // Bar length is time: 4.2 s to 9.8 s; the failing phase is drawn red by the stylesheet.
  const widths = await tab.$$eval('svg.timeline rect:not(.track)', (rs) =>
    rs.map((r) => r.getBoundingClientRect().width),
  );
  assert.ok(Math.abs(widths[1]! / widths[0]! - 9.8 / 4.2) < 0.05, String(widths));
  const fill = await tab.$eval('svg.timeline rect.bad', (r) => getComputedStyle(r).fill);
  assert.is(fill, 'rgb(207, 34, 46)');
  assert.equal(errors, []);
  await tab.close();
});

test('the log: numbered lines, colours as classes, links to a line, nothing the build wrote obeyed', async () => {
  const { tab, errors } = await watchedTab();
  await tab.goto(page);
  assert.is(await tab.locator('#log .line').count(), 8);
  assert.is(await tab.textContent('#L2 .ansi-red-fg'), 'red error');
  assert.is(
    await tab.$eval('#L2 .ansi-red-fg', (e) => getComputedStyle(e).color),
    'rgb(255, 123, 114)',
  );
  // Colour carries over a line break, as in a terminal.
  assert.is(await tab.textContent('#L3 .ansi-green-fg.ansi-bold'), 'still green on the next line');
  assert.is(await tab.$eval('#L3 .ansi-bold', (e) => getComputedStyle(e).fontWeight), '700');
  assert.match((await tab.textContent('#L4')) ?? '', /<script>alert\(1\)<\/script><img src=x/);
  assert.is(await tab.locator('#log script, #log img, #log [style]').count(), 0);
  // OSC links, titles and screen clears are shown as text: no link but the line numbers.
  assert.is(await tab.locator('#log a:not(.ln)').count(), 0);
  assert.match((await tab.textContent('#L5')) ?? '', /\^\[\]8;;javascript:alert\(2\)\^G/);
  assert.match((await tab.textContent('#L5')) ?? '', /\^\[\[2J/);
  assert.not.equal(await tab.title(), 'pwned');
  assert.is(await tab.getAttribute('#L7 a.ln', 'href'), '#L7');
  // A link to a line marks it.
  await tab.goto(`${page}#L3`);
  assert.is(await tab.$eval('#L3', (e) => getComputedStyle(e).backgroundColor), 'rgb(59, 46, 0)');
  assert.is(await tab.$eval('#L4', (e) => getComputedStyle(e).backgroundColor), 'rgba(0, 0, 0, 0)');
  const png = await shot(tab, 'run');
  assert.equal([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal(errors, []);
  await tab.close();
});

test('a violation links to the log line that names its destination', async () => {
  const { tab, errors } = await watchedTab();
  await tab.goto(page);
  const cell = tab.locator('#violations a.log-line');
  assert.is(await cell.count(), 1);
  assert.is(await cell.textContent(), 'line 7');
  await cell.click();
  assert.is(new URL(tab.url()).hash, '#L7');
  assert.is(await tab.$eval('#L7', (e) => getComputedStyle(e).backgroundColor), 'rgb(59, 46, 0)');
  assert.match((await tab.textContent('#violations')) ?? '', /<b>\|pipe\|<\/b>/);
  assert.equal(errors, []);
  await tab.close();
});

test("the repository's page lists its runs with their status, escaped", async () => {
  const { tab, errors } = await watchedTab();
  const res = await tab.goto(`${h.app.url}/repos/Codertocat/Hello-World`);
  assert.is(res?.status(), 200);
  assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  const runs = tab.locator('#runs li');
  assert.is(await runs.count(), 1);
  assert.is(await runs.locator('.badge.violation').count(), 1);
  assert.is(await runs.locator('a.run').textContent(), `head violate 1 ${TITLE_SCRIPT}`);
  assert.is(await runs.locator('a.run').getAttribute('href'), new URL(page).pathname);
  assert.match((await runs.textContent()) ?? '', new RegExp(`branch evil<script>`));
  assert.is(await tab.locator('#runs script').count(), 0);
  await shot(tab, 'repository');
  await tab.locator('a.run').click();
  assert.is(tab.url(), page);
  assert.is((await tab.goto(`${h.app.url}/repos/Codertocat/Nothing-Here`))?.status(), 404);
  assert.equal(
    errors.filter((e) => !/404/.test(e)),
    [],
  );
  await tab.close();
});

test('a branch badge is an SVG of its latest status, with words of the App only', async () => {
  const { tab, errors } = await watchedTab();
  const url = `${h.app.url}/badge/Codertocat/Hello-World/${encodeURIComponent(BRANCH)}.svg`;
  const res = await tab.goto(url);
  assert.is(res?.status(), 200);
  assert.is(res?.headers()['content-type'], 'image/svg+xml');
  const svg = (await res?.text()) ?? '';
  assert.match(svg, /^<svg [^>]*>.*contractor.*violation.*<\/svg>$/s);
  assert.not.match(svg, /script|evil/);
  assert.is(await tab.locator('svg text').nth(1).textContent(), 'violation');
  // As a README shows it: an image on someone else's page (a data: URL, as a blank page may not
  // load from loopback).
  await tab.goto('about:blank');
  const data = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  await tab.setContent(`<img id="badge" src="${data}">`);
  await tab.waitForFunction(() => (document.querySelector('#badge') as HTMLImageElement).complete);
  const width = await tab.$eval('#badge', (i) => (i as HTMLImageElement).naturalWidth);
  assert.ok(width > 100, `badge ${width}px wide`);
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, 'badge.png'), await tab.locator('#badge').screenshot());
  const other = await tab.goto(`${h.app.url}/badge/Codertocat/Hello-World/no-such-branch.svg`);
  assert.match((await other?.text()) ?? '', /unknown/);
  assert.equal(errors, []);
  await tab.close();
});

test.run();
