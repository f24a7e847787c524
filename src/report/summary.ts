// The final summary of a run as plain lines: status, phases, violations table, artifacts, where files are.
import type { ChalkInstance } from 'chalk';
import type { JobResult, RunStatus } from '../manager/job.js';
import { formatBytes, formatDuration } from '../spec/units.js';
import { terminalSafe as safe } from './terminal-text.js';
import { violationCount } from './violation-count.js';
import { destinationOf } from '../net/violation.js';

/** A terminal's worth of each; result.json and the report page have the rest. */
const MAX_VIOLATION_ROWS = 20;
const MAX_ARTIFACT_ROWS = 50;

const MARK: Record<RunStatus, string> = {
  passed: '✔',
  failed: '✘',
  violation: '⚠',
  limit: '⏱',
  error: '!',
};

function colourFor(c: ChalkInstance, status: RunStatus): ChalkInstance {
  return status === 'passed' ? c.green : status === 'error' ? c.magenta : c.red;
}

export function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>(
    (w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    [],
  );
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

export function summaryLines(r: JobResult, c: ChalkInstance): string[] {
  // Without our colours, none of the build's either (it chose violation details and paths).
  const terminalSafe = (text: string) => safe(text, c.level > 0);
  const head = `${MARK[r.status]} ${r.status}`;
  const what = r.commit ? ` ${r.commit.slice(0, 12)}` : '';
  // "passed: passed" says nothing twice; a summary that adds something follows the colon.
  const why = r.summary === r.status ? '' : `: ${terminalSafe(r.summary)}`;
  const lines = [
    `${colourFor(c, r.status).bold(head)}${what} (${r.driver}, ${formatDuration(r.durationMs)})${why}`,
  ];
  if (r.phases.length)
    lines.push(
      `  phases: ${r.phases
        .map(
          (p) =>
            `${p.name} ${formatDuration(p.durationMs)}${p.exitCode === 0 ? '' : ` (exit ${p.exitCode ?? 'none'})`}`,
        )
        .join(', ')}`,
    );
  for (const u of r.unenforced ?? []) lines.push(c.yellow(`  ${u.limit} limit ${u.detail}`));
  if (r.violations.length) {
    lines.push(c.bold('  violations:'));
    // The build chose these hosts, details and (through the files it made) artifact paths.
    const rows = r.violations
      .slice(0, MAX_VIOLATION_ROWS)
      .map((v) => [
        v.kind,
        v.phase,
        v.host ? terminalSafe(destinationOf(v)) : '-',
        terminalSafe(v.detail),
      ]);
    for (const l of table([['KIND', 'PHASE', 'DESTINATION', 'DETAIL'], ...rows]))
      lines.push(`    ${l}`);
    const more = violationCount(r) - rows.length;
    if (more > 0)
      lines.push(`    … and ${more} more (the first ${r.violations.length} are in result.json)`);
  }
  if (r.artifacts.length) {
    lines.push(c.bold('  artifacts:'));
    const rows = r.artifacts
      .slice(0, MAX_ARTIFACT_ROWS)
      .map((a) => [terminalSafe(a.path), formatBytes(a.size), `sha256:${a.sha256}`]);
    for (const l of table(rows)) lines.push(`    ${l}`);
    const more = r.artifacts.length - rows.length;
    if (more > 0) lines.push(`    … and ${more} more (all are in result.json)`);
  }
  lines.push(c.dim(`  log: ${r.log}`));
  if (r.attestation) lines.push(c.dim(`  attestation: ${r.attestation}`));
  return lines;
}
