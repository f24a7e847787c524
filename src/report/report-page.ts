// The run's report page: status, log, violations, artifacts with downloads; static HTML, no script at all.
import { createHash } from 'node:crypto';
import type { JobResult } from '../manager/job.js';
import { formatBytes, formatDuration } from '../spec/units.js';
import { violationCount } from './violation-count.js';
import { destinationOf } from '../net/violation.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.5em; } h1.passed { color: #1a7f37; } h1.failing { color: #cf222e; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
pre.log { background: #f6f8fa; padding: 1em; overflow: auto; max-height: 60em; white-space: pre-wrap; }
`;

/** The Content-Security-Policy for every page: nothing loads, nothing runs, only this stylesheet applies. */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ReportLinks {
  log: string;
  artifact: (path: string) => string;
  attestation: string | null;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

function row(cells: string[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead>${row(head, 'th')}</thead><tbody>${rows.map((r) => row(r)).join('\n')}</tbody></table>`;
}

function violations(r: JobResult): string {
  if (!r.violations.length) return '<p>No violations.</p>';
  const omitted = r.omitted?.violations
    ? `<p>And ${r.omitted.violations} more, counted but not kept.</p>`
    : '';
  return (
    table(
      ['kind', 'phase', 'destination', 'detail'],
      r.violations.map((v) => [
        escapeHtml(v.kind),
        escapeHtml(v.phase),
        escapeHtml(v.host ? destinationOf(v) : '-'),
        escapeHtml(v.detail),
      ]),
    ) + omitted
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
    ) + att
  );
}

export function renderReportPage(r: JobResult, log: string, links: ReportLinks): string {
  const failing = r.status === 'passed' ? 'passed' : 'failing';
  const facts = table(
    ['', ''],
    [
      ['commit', `<code>${escapeHtml(r.commit ?? '-')}</code>`],
      ['driver', escapeHtml(r.driver)],
      ['started', escapeHtml(r.startedAt)],
      ['duration', formatDuration(r.durationMs)],
      ['policy', escapeHtml(r.policy.source)],
      ['network', escapeHtml(r.policy.allow.join(', ') || 'none')],
      ...r.phases.map((p) => [
        `phase ${escapeHtml(p.name)}`,
        `exit ${p.exitCode ?? 'none'}, ${formatDuration(p.durationMs)}`,
      ]),
    ],
  );
  return page(
    `contractor ${r.status}: ${r.commit?.slice(0, 12) ?? r.id}`,
    `<h1 class="${failing}" id="status">${escapeHtml(r.status)}: ${escapeHtml(r.summary)}</h1>
${facts}
<h2>Violations (${violationCount(r)})</h2>
${violations(r)}
<h2>Artifacts</h2>
${artifacts(r, links)}
<h2>Log</h2>
<p><a href="${escapeHtml(links.log)}">raw log</a></p>
<pre class="log" id="log">${escapeHtml(log)}</pre>`,
  );
}

export function renderPendingPage(runId: string, state: string): string {
  return page(
    `contractor ${state}`,
    `<h1 id="status">${escapeHtml(state)}</h1><p>Run ${escapeHtml(runId)} has no result yet.</p>`,
  );
}
