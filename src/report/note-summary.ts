// A result recorded as a git note, as `git contractor show` prints it for people.
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../spec/units.js';
import { terminalSafe } from './terminal-text.js';

/** The note's fields this reads; notes come with fetches from anyone, so each is checked. */
interface ShownNote {
  status?: unknown;
  summary?: unknown;
  driver?: unknown;
  at?: unknown;
  durationMs?: unknown;
  cached?: unknown;
  phases?: { name?: unknown; exitCode?: unknown; durationMs?: unknown }[];
  violations?: unknown;
  artifacts?: { path?: unknown; sha256?: unknown }[];
  attestation?: unknown;
}

const text = (v: unknown): string => terminalSafe(String(v ?? '?'), false);
const duration = (v: unknown): string => (typeof v === 'number' ? formatDuration(v) : '?');

/** "2026-12-07 05:38 UTC" from an ISO time; the text as it is when it is not one. */
export function shortDate(at: unknown): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(String(at ?? ''));
  return m ? `${m[1]} ${m[2]} UTC` : text(at);
}

export function noteLines(commit: string, n: ShownNote, c: ChalkInstance): string[] {
  const status = text(n.status);
  const colour = status === 'passed' ? c.green : c.red;
  const lines = [
    `${colour.bold(status)} ${commit.slice(0, 12)} (${text(n.driver)}, ${duration(n.durationMs)}) ${shortDate(n.at)}${n.cached ? ' (from the cache)' : ''}`,
  ];
  if (n.summary !== undefined && n.summary !== n.status) lines.push(`  ${text(n.summary)}`);
  const phases = Array.isArray(n.phases) ? n.phases : [];
  if (phases.length)
    lines.push(
      `  phases: ${phases
        .map(
          (p) =>
            `${text(p.name)} ${duration(p.durationMs)}${p.exitCode === 0 ? '' : ` (exit ${text(p.exitCode ?? 'none')})`}`,
        )
        .join(', ')}`,
    );
  if (typeof n.violations === 'number' && n.violations > 0)
    lines.push(`  violations: ${n.violations}`);
  const artifacts = Array.isArray(n.artifacts) ? n.artifacts : [];
  if (artifacts.length) lines.push('  artifacts:');
  for (const a of artifacts) lines.push(`    ${text(a.path)}  sha256:${text(a.sha256)}`);
  if (n.attestation) lines.push(c.dim(`  attestation: sha256:${text(n.attestation)}`));
  return lines;
}
