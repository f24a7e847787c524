// The shell of every report page: one stylesheet whose hash is the whole CSP, escaping, the document.
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
main { max-width: 76em; margin: 0 auto; padding: 1.5em 1em 3em; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
header.run, section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 1em 1.25em; margin-bottom: 1em; }
h1 { font-size: 1.35em; margin: 0.2em 0; } h1.passed { color: #1a7f37; } h1.failing { color: #cf222e; }
h2 { font-size: 1.1em; margin: 0 0 0.6em; }
.title { font-size: 1.05em; font-weight: 600; margin: 0.3em 0; }
.meta { color: #59636e; margin: 0.2em 0; } .meta > * + *::before { content: "·"; margin: 0 0.5em; color: #8c959f; }
.badge { display: inline-block; border-radius: 2em; padding: 0.1em 0.75em; font-weight: 600; font-size: 0.85em; color: #fff; background: #59636e; }
.badge.passed { background: #1a7f37; } .badge.failed, .badge.violation { background: #cf222e; }
.badge.limit { background: #9a6700; } .badge.error { background: #6e7781; }
.badge.queued, .badge.running, .badge.reporting { background: #bf8700; } .badge.superseded { background: #8c959f; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d8dee4; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { color: #59636e; font-weight: 600; }
code, .log { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
svg.timeline { width: 100%; height: auto; display: block; }
svg.timeline text { font: 12px system-ui, sans-serif; fill: #1f2328; } svg.timeline text.dim { fill: #59636e; }
svg.timeline rect.track { fill: #eaeef2; } svg.timeline rect.ok { fill: #2da44e; } svg.timeline rect.bad { fill: #cf222e; }
.log { background: #0d1117; color: #e6edf3; border-radius: 6px; padding: 0.5em 0; overflow-x: auto; max-height: 70em; }
.line { display: flex; white-space: pre-wrap; word-break: break-all; padding: 0 1em 0 0; }
.line:target { background: #3b2e00; }
.line .ln { flex: 0 0 4.5em; text-align: right; padding-right: 1em; color: #6e7681; user-select: none; }
.line .ln:hover { color: #e6edf3; }
.ansi-bold { font-weight: 700; } .ansi-dim { opacity: 0.7; } .ansi-italic { font-style: italic; }
.ansi-underline { text-decoration: underline; } .ansi-strikethrough { text-decoration: line-through; }
.ansi-black-fg { color: #484f58; } .ansi-red-fg { color: #ff7b72; } .ansi-green-fg { color: #3fb950; }
.ansi-yellow-fg { color: #d29922; } .ansi-blue-fg { color: #58a6ff; } .ansi-magenta-fg { color: #bc8cff; }
.ansi-cyan-fg { color: #39c5cf; } .ansi-white-fg { color: #b1bac4; }
.ansi-bright-black-fg { color: #6e7681; } .ansi-bright-red-fg { color: #ffa198; } .ansi-bright-green-fg { color: #56d364; }
.ansi-bright-yellow-fg { color: #e3b341; } .ansi-bright-blue-fg { color: #79c0ff; } .ansi-bright-magenta-fg { color: #d2a8ff; }
.ansi-bright-cyan-fg { color: #56d4dd; } .ansi-bright-white-fg { color: #f0f6fc; }
.ansi-black-bg { background: #484f58; } .ansi-red-bg { background: #8e1519; } .ansi-green-bg { background: #196c2e; }
.ansi-yellow-bg { background: #7d4e00; } .ansi-blue-bg { background: #0c2d6b; } .ansi-magenta-bg { background: #5a32a3; }
.ansi-cyan-bg { background: #0e4452; } .ansi-white-bg { background: #6e7681; }
ul.runs { list-style: none; margin: 0; padding: 0; } ul.runs li { padding: 0.5em 0; border-bottom: 1px solid #d8dee4; }
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

/** An href from parts that may be the build's: only http(s) URLs we assembled, escaped. */
export function link(href: string, text: string, attrs = ''): string {
  return `<a href="${escapeHtml(href)}"${attrs}>${text}</a>`;
}

export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body></html>
`;
}
