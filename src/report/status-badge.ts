// A status as a badge: a pill on the page, or an SVG image for a README.
import { escapeHtml } from './html-page.js';

/** Every state a run can show: a result's status, or the queue's word for a run without one. */
const KNOWN =
  /^(passed|failed|violation|limit|error|queued|running|reporting|superseded|cancelled|unknown)$/;

export function badgeState(state: string): string {
  return KNOWN.test(state) ? state : 'unknown';
}

export function statusPill(state: string): string {
  const s = badgeState(state);
  return `<span class="badge ${s}">${s}</span>`;
}

const FILL: Record<string, string> = {
  passed: '#1a7f37',
  failed: '#cf222e',
  violation: '#cf222e',
  limit: '#9a6700',
  error: '#6e7781',
  queued: '#bf8700',
  running: '#bf8700',
  reporting: '#bf8700',
};

/** The SVG for /badge/...: fixed words only, so nothing the build chose is drawn into it. */
export function statusBadgeSvg(state: string): string {
  const s = badgeState(state);
  const fill = FILL[s] ?? '#8c959f';
  const left = 'contractor';
  const lw = 72;
  const rw = 8 + s.length * 7;
  const w = lw + rw;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${left}: ${s}"><title>${left}: ${escapeHtml(s)}</title><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${rw}" height="20" fill="${fill}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="6" y="14">${left}</text><text x="${lw + 4}" y="14">${escapeHtml(s)}</text></g></svg>`;
}
