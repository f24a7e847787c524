// The run's report page: who and what was built, status, phase timeline, violations, artifacts, the log.
// Static HTML: no script at all, one stylesheet allowed by its hash.
import type { JobResult } from '../manager/job.js';
import { destinationOf } from '../net/violation.js';
import { formatBytes, formatDuration } from '../spec/units.js';
import { escapeHtml, htmlPage, link } from './html-page.js';
import { logHtml, violationLines } from './log-html.js';
import { phaseTimeline } from './phase-timeline.js';
import { statusPill } from './status-badge.js';
import { violationCount } from './violation-count.js';

export { escapeHtml, REPORT_CSP } from './html-page.js';

export interface ReportLinks {
  log: string;
  artifact: (path: string) => string;
  attestation: string | null;
}

/** Where the run came from, with links back to GitHub; every text in it may be the build's. */
export interface RunHeader {
  repository: { name: string; url: string };
  /** Our page listing the repository's runs. */
  runsPage?: string;
  /** The branch or pull request. */
  lane?: { text: string; url: string };
  commit: { url: string; title?: string; author?: { name: string; url?: string } };
}

/** The log as shown: its last part, numbered as in log.txt. */
export interface LogView {
  text: string;
  firstLine: number;
  /** Bytes of log.txt before what is shown. */
  cutBytes: number;
}

function row(cells: string[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

function table(head: string[], rows: string[][], id = ''): string {
  const idAttr = id ? ` id="${id}"` : '';
  return `<table${idAttr}><thead>${row(head, 'th')}</thead><tbody>${rows.map((r) => row(r)).join('\n')}</tbody></table>`;
}

function header(r: JobResult, h: RunHeader | undefined): string {
  const failing = r.status === 'passed' ? 'passed' : 'failing';
  const sha = r.commit ?? '-';
  const status = `${statusPill(r.status)}
<h1 class="${failing}" id="status">${escapeHtml(r.status)}: ${escapeHtml(r.summary)}</h1>`;
  if (!h)
    return `<header class="run">${status}<p class="meta"><code>${escapeHtml(sha)}</code></p></header>`;
  const title = h.commit.title ?? sha.slice(0, 12);
  const meta = [
    link(h.repository.url, escapeHtml(h.repository.name), ' id="repository"'),
    ...(h.lane ? [link(h.lane.url, escapeHtml(h.lane.text), ' id="lane"')] : []),
    link(h.commit.url, `<code>${escapeHtml(sha.slice(0, 12))}</code>`, ' id="commit"'),
    ...(h.commit.author
      ? [
          h.commit.author.url
            ? link(h.commit.author.url, escapeHtml(h.commit.author.name), ' id="author"')
            : `<span id="author">${escapeHtml(h.commit.author.name)}</span>`,
        ]
      : []),
    ...(h.runsPage ? [link(h.runsPage, 'all runs', ' id="runs"')] : []),
  ];
  return `<header class="run">${status}
<p class="title">${link(h.commit.url, escapeHtml(title), ' id="commit-title"')}</p>
<p class="meta">${meta.map((m) => `<span>${m}</span>`).join('')}</p></header>`;
}

function details(r: JobResult): string {
  return table(
    ['', ''],
    [
      ['driver', escapeHtml(r.driver)],
      ['started', escapeHtml(r.startedAt)],
      ['duration', formatDuration(r.durationMs)],
      ['policy', escapeHtml(r.policy.source)],
      ['network', escapeHtml(r.policy.allow.join(', ') || 'none')],
    ],
    'details',
  );
}

function violations(r: JobResult, log: LogView): string {
  if (!r.violations.length) return '<p>No violations.</p>';
  const omitted = r.omitted?.violations
    ? `<p>And ${r.omitted.violations} more, counted but not kept.</p>`
    : '';
  const lines = violationLines(
    log.text,
    log.firstLine,
    r.violations.map((v) => v.host),
  );
  return (
    table(
      ['kind', 'phase', 'destination', 'detail', 'log'],
      r.violations.map((v, i) => [
        escapeHtml(v.kind),
        escapeHtml(v.phase),
        escapeHtml(v.host ? destinationOf(v) : '-'),
        escapeHtml(v.detail),
        lines[i] ? `<a class="log-line" href="#L${lines[i]}">line ${lines[i]}</a>` : '-',
      ]),
      'violations',
    ) +
    '<p class="meta">Linked to the first log line naming the destination (violations carry no time of their own).</p>' +
    omitted
  );
}

function artifacts(r: JobResult, links: ReportLinks): string {
  const att = links.attestation
    ? `<p>Attestation (DSSE, in-toto, SLSA provenance): <a id="attestation" href="${escapeHtml(links.attestation)}">download</a></p>`
    : '<p>Not signed.</p>';
  if (!r.artifacts.length) return `<p>No artifacts.</p>${att}`;
  return (
    table(
      ['path', 'size', 'sha256'],
      r.artifacts.map((a) => [
        `<a class="artifact" href="${escapeHtml(links.artifact(a.path))}" download>${escapeHtml(a.path)}</a>`,
        formatBytes(a.size),
        `<code>${escapeHtml(a.sha256)}</code>`,
      ]),
      'artifacts',
    ) + att
  );
}

function logSection(log: LogView, links: ReportLinks): string {
  const cut = log.cutBytes
    ? `<p>The first ${formatBytes(log.cutBytes)} are in the <a href="${escapeHtml(links.log)}">raw log</a>.</p>`
    : `<p><a href="${escapeHtml(links.log)}">raw log</a></p>`;
  return `<section><h2>Log</h2>${cut}${log.text ? logHtml(log.text, log.firstLine) : '<p>Empty.</p>'}</section>`;
}

export function renderReportPage(
  r: JobResult,
  log: LogView,
  links: ReportLinks,
  head?: RunHeader,
): string {
  const name = head ? `${head.repository.name} ` : '';
  return htmlPage(
    `${name}${r.status}: ${r.commit?.slice(0, 12) ?? r.id} · contractor`,
    `${header(r, head)}
<section><h2>Timeline</h2>${phaseTimeline(r.phases)}</section>
<section><h2>Violations (${violationCount(r)})</h2>${violations(r, log)}</section>
<section><h2>Artifacts</h2>${artifacts(r, links)}</section>
<section><h2>Details</h2>${details(r)}</section>
${logSection(log, links)}`,
  );
}

export function renderPendingPage(runId: string, state: string): string {
  return htmlPage(
    `contractor ${state}`,
    `<header class="run">${statusPill(state)}<h1 id="status">${escapeHtml(state)}</h1><p>Run ${escapeHtml(runId)} has no result yet.</p></header>`,
  );
}

export interface RunListEntry {
  href: string;
  state: string;
  /** The branch or pull request, the commit's title, when it was queued: text, escaped here. */
  lane: string;
  title: string;
  sha: string;
  when: string;
}

export function renderRepositoryPage(name: string, url: string, runs: RunListEntry[]): string {
  const items = runs.map(
    (e) =>
      `<li>${statusPill(e.state)} ${link(e.href, escapeHtml(e.title || e.sha.slice(0, 12)), ' class="run"')}<div class="meta"><span>${escapeHtml(e.lane)}</span><span><code>${escapeHtml(e.sha.slice(0, 12))}</code></span><span>${escapeHtml(e.when)}</span></div></li>`,
  );
  return htmlPage(
    `${name} · contractor`,
    `<header class="run"><h1 id="repository">${link(url, escapeHtml(name))}</h1><p class="meta">Recent runs, newest first.</p></header>
<section>${items.length ? `<ul class="runs" id="runs">${items.join('\n')}</ul>` : '<p>No runs yet.</p>'}</section>`,
  );
}
