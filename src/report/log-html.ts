// The build log as HTML: numbered lines a link can point at, colours as classes, nothing of it obeyed.
import Anser from 'anser';
import { escapeHtml } from './html-page.js';
import { stripAnsi } from './ansi-strip.js';
import { terminalSafe } from './terminal-text.js';

/** anser's names for SGR colours and text attributes; anything else gets no class at all. */
const CLASS_NAME = /^[a-z][a-z0-9-]{0,40}$/;

function classesOf(e: Anser.AnserJsonEntry): string[] {
  const out: string[] = [];
  // Palette and true colours have no class of their own: such text keeps the log's colour.
  if (e.fg && CLASS_NAME.test(e.fg) && !/palette|truecolor/.test(e.fg)) out.push(`${e.fg}-fg`);
  if (e.bg && CLASS_NAME.test(e.bg) && !/palette|truecolor/.test(e.bg)) out.push(`${e.bg}-bg`);
  for (const d of e.decorations) if (CLASS_NAME.test(d)) out.push(`ansi-${d}`);
  return out;
}

function span(text: string, classes: string[]): string {
  const body = escapeHtml(text);
  return classes.length ? `<span class="${classes.join(' ')}">${body}</span>` : body;
}

/**
 * Each line of the log as HTML. Colour runs across lines as in a terminal. Every control but SGR
 * is shown as text first (terminalSafe), so OSC links, titles and cursor moves stay inert.
 */
export function logLinesHtml(log: string): string[] {
  const entries = Anser.ansiToJson(terminalSafe(log), { use_classes: true, remove_empty: true });
  const lines: string[] = [];
  let current = '';
  for (const e of entries) {
    const classes = classesOf(e);
    const parts = e.content.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) (lines.push(current), (current = ''));
      if (part) current += span(part.replace(/\r$/, ''), classes);
    });
  }
  if (current) lines.push(current);
  return lines;
}

/** The log as the page shows it: line n is #L<n>, its number a link to itself. */
export function logHtml(log: string, firstLine = 1): string {
  const rows = logLinesHtml(log).map((html, i) => {
    const n = firstLine + i;
    return `<div class="line" id="L${n}"><a class="ln" href="#L${n}">${n}</a><span>${html}</span></div>`;
  });
  return `<div class="log" id="log">\n${rows.join('\n')}\n</div>`;
}

/**
 * Violations carry no time or offset: each is linked to the first log line that names its
 * destination (what curl, git or a package manager prints when the proxy refuses), or to none.
 */
export function violationLines(
  log: string,
  firstLine: number,
  hosts: (string | undefined)[],
): (number | undefined)[] {
  const plain = log.split('\n').map((l) => stripAnsi(l).toLowerCase());
  return hosts.map((host) => {
    if (!host) return undefined;
    const i = plain.findIndex((l) => l.includes(host.toLowerCase()));
    return i < 0 ? undefined : firstLine + i;
  });
}
