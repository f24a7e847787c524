// The phases of a run drawn one after another: bar length is time, each labelled with time, CPU and peak memory.
import type { PhaseResult } from '../manager/job.js';
import { formatBytes, formatDuration } from '../spec/units.js';
import { escapeHtml } from './html-page.js';

const WIDTH = 800;
const LABEL = 70;
const ROW = 34;

function finite(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

function caption(p: PhaseResult): string {
  const parts = [formatDuration(finite(p.durationMs))];
  if (p.cpuMs !== undefined) parts.push(`CPU ${formatDuration(finite(p.cpuMs))}`);
  if (p.maxMemoryBytes !== undefined) parts.push(`peak ${formatBytes(finite(p.maxMemoryBytes))}`);
  parts.push(p.exitCode === null ? 'no exit code' : `exit ${p.exitCode}`);
  return parts.join(' · ');
}

/** An inline SVG: sizes are attributes, colours classes of the page's stylesheet (no style attribute). */
export function phaseTimeline(phases: PhaseResult[]): string {
  if (!phases.length) return '<p>No phase ran.</p>';
  const total = phases.reduce((t, p) => t + finite(p.durationMs), 0) || 1;
  const span = WIDTH - LABEL;
  let offset = 0;
  const rows = phases.map((p, i) => {
    const y = i * ROW;
    const x = LABEL + (offset / total) * span;
    const w = Math.max(2, (finite(p.durationMs) / total) * span);
    offset += finite(p.durationMs);
    const state = p.exitCode === 0 ? 'ok' : 'bad';
    return [
      `<g class="phase" id="phase-${i}">`,
      `<text x="0" y="${y + 15}">${escapeHtml(p.name)}</text>`,
      `<rect class="track" x="${LABEL}" y="${y + 3}" width="${span}" height="16" rx="3"/>`,
      `<rect class="${state}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="16" rx="3"/>`,
      `<text class="dim" x="${LABEL}" y="${y + 31}">${escapeHtml(caption(p))}</text>`,
      '</g>',
    ].join('');
  });
  const height = phases.length * ROW + 4;
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="phase timeline">${rows.join('')}</svg>`;
}
