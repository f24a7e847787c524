// A result as a GitHub check run's output: title, markdown summary, and annotations for the files involved.
import type { SourceProblem } from '../errors.js';
import type { BuiltBy, JobResult, RunStatus } from '../manager/job.js';
import { formatBytes, formatDuration } from '../spec/units.js';
import { SPEC_FILE } from '../spec/spec-file.js';
import { violationCount } from './violation-count.js';
import { destinationOf } from '../net/violation.js';
import type { CommitDiagnostic, CommitDiagnostics } from './commit-diagnostics.js';

export interface CheckRunOutput {
  title: string;
  summary: string;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
}

// GitHub refuses a summary over 65535 characters; leave room for the closing link.
const MAX_SUMMARY = 60_000;
const MAX_ROWS = 100;
/** Violations all point at the spec's first line: past this many they say nothing new there. */
const MAX_VIOLATION_ANNOTATIONS = 150;

const HEADING: Record<RunStatus, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  violation: '⛔ violation',
  limit: '⏱️ limit exceeded',
  error: '💥 infrastructure error',
};

/** Build output is hostile: a table cell gets no markup, no HTML, no line breaks. */
export function markdownCell(text: string, max = 300): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').slice(0, max);
  // Brackets are escaped, so parentheses can never complete a link and stay readable.
  return flat.replace(/[\\`*_{}[\]<>#+!|~&]/g, (c) => `\\${c}`) || ' ';
}

function headline(r: JobResult): string {
  if (r.status === 'limit' && r.limit === 'wall') return '⏱️ timed out';
  return HEADING[r.status];
}

export function checkRunTitle(r: JobResult): string {
  const head = headline(r).replace(/^\S+ /, '');
  return r.status === 'passed' ? head : `${head}: ${r.summary}`.slice(0, 250);
}

/** Names come from the operator's config.yaml, but stay plain text all the same. */
function builtOn(m: BuiltBy): string {
  const lost = m.lost.map((n) => markdownCell(n)).join(', ');
  return markdownCell(m.name) + (lost ? ` (after ${lost} was lost mid-run)` : '');
}

function facts(r: JobResult): string[] {
  const rows = [
    ['commit', r.commit ? `\`${r.commit}\`` : '-'],
    ['driver', r.driver],
    ...(r.manager ? [['manager', builtOn(r.manager)]] : []),
    ['started', r.startedAt],
    ['finished', r.finishedAt],
    ['duration', formatDuration(r.durationMs)],
    ['policy', markdownCell(r.policy.source)],
    [
      'network',
      r.policy.allow.length ? r.policy.allow.map((a) => markdownCell(a)).join(', ') : 'none',
    ],
  ];
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

function phases(r: JobResult): string[] {
  if (!r.phases.length) return [];
  return [
    '### Phases',
    '',
    '| phase | exit | time | cpu | memory |',
    '| --- | --- | --- | --- | --- |',
    ...r.phases.map(
      (p) =>
        `| ${p.name} | ${p.exitCode ?? 'none'} | ${formatDuration(p.durationMs)} | ${p.cpuMs === undefined ? '-' : formatDuration(p.cpuMs)} | ${p.maxMemoryBytes === undefined ? '-' : formatBytes(p.maxMemoryBytes)} |`,
    ),
    '',
  ];
}

function violations(r: JobResult): string[] {
  if (!r.violations.length) return [];
  const shown = r.violations.slice(0, MAX_ROWS);
  const rows = shown.map((v) => {
    const dest = v.host ? destinationOf(v) : '-';
    return `| ${v.kind} | ${v.phase} | ${markdownCell(dest)} | ${markdownCell(v.detail)} |`;
  });
  const more = violationCount(r) - shown.length;
  return [
    `### Violations (${violationCount(r)})`,
    '',
    '| kind | phase | destination | detail |',
    '| --- | --- | --- | --- |',
    ...rows,
    ...(more > 0
      ? ['', `… and ${more} more; the report page lists the first ${r.violations.length}.`]
      : []),
    '',
  ];
}

function artifacts(r: JobResult): string[] {
  if (!r.artifacts.length) return [];
  return [
    '### Artifacts',
    '',
    '| path | size | sha256 |',
    '| --- | --- | --- |',
    ...r.artifacts
      .slice(0, MAX_ROWS)
      .map((a) => `| ${markdownCell(a.path)} | ${formatBytes(a.size)} | \`${a.sha256}\` |`),
    '',
    r.attestation ? 'Signed: the report page links the attestation.' : 'Not signed.',
    '',
  ];
}

function problems(list: SourceProblem[]): string[] {
  if (!list.length) return [];
  return [
    '### Problems',
    '',
    ...list
      .slice(0, MAX_ROWS)
      .map(
        (p) => `- \`${markdownCell(`${p.file}:${p.line}:${p.col}`)}\` ${markdownCell(p.message)}`,
      ),
    '',
  ];
}

function diagnostics(d: CommitDiagnostics | undefined): string[] {
  if (!d || (!d.inCommit && !d.elsewhere)) return [];
  const notKept = d.inCommit - d.kept.length;
  return [
    `### Diagnostics (${d.inCommit} in files of this commit)`,
    '',
    ...(d.kept.length ? [`${d.kept.length} annotated at their line.`] : []),
    ...(notKept > 0 ? [`${notKept} more not annotated: see the log.`] : []),
    ...(d.elsewhere
      ? [`${d.elsewhere} more named no file of this commit (system or generated files).`]
      : []),
    '',
  ];
}

export function checkRunOutput(
  r: JobResult,
  reportUrl: string,
  found: SourceProblem[] = [],
  diagnosed?: CommitDiagnostics,
): CheckRunOutput {
  const body = [
    `## ${headline(r)}: ${markdownCell(r.summary, 500)}`,
    '',
    ...facts(r),
    '',
    ...problems(found),
    ...diagnostics(diagnosed),
    ...phases(r),
    ...violations(r),
    ...artifacts(r),
  ].join('\n');
  const link = `[Full report: log, violations, downloads](${reportUrl})`;
  const summary =
    body.length > MAX_SUMMARY ? `${body.slice(0, MAX_SUMMARY)}\n\n… (cut; see the report)` : body;
  return { title: checkRunTitle(r), summary: `${summary}\n${link}\n` };
}

function diagnosticAnnotation(d: CommitDiagnostic): CheckRunAnnotation {
  const col = d.col === undefined ? {} : { start_column: d.col, end_column: d.col };
  return {
    path: d.path,
    start_line: d.line,
    end_line: d.line,
    ...col,
    annotation_level: d.level,
    title: d.code ?? (d.level === 'warning' ? 'warning' : 'error'),
    message: `${d.message} (log line ${d.logLine})`.slice(0, 2000),
  };
}

/**
 * Spec problems point at their line; violations point at the spec, whose policy they broke;
 * compiler and linter diagnostics point where the tool said, in files of the commit only.
 */
export function checkRunAnnotations(
  r: JobResult,
  found: SourceProblem[] = [],
  diagnosed?: CommitDiagnostics,
): CheckRunAnnotation[] {
  const fromProblems = found.map((p) => ({
    path: p.file,
    start_line: Math.max(p.line, 1),
    end_line: Math.max(p.line, 1),
    start_column: Math.max(p.col, 1),
    end_column: Math.max(p.col, 1),
    annotation_level: 'failure' as const,
    title: 'spec problem',
    message: p.message.slice(0, 2000),
  }));
  const fromViolations = r.violations.slice(0, MAX_VIOLATION_ANNOTATIONS).map((v) => ({
    path: SPEC_FILE,
    start_line: 1,
    end_line: 1,
    annotation_level: 'failure' as const,
    title: `${v.kind} violation in ${v.phase}`,
    message: `${v.host ? `${destinationOf(v)}: ` : ''}${v.detail}`.slice(0, 2000),
  }));
  const fromDiagnostics = (diagnosed?.kept ?? []).map(diagnosticAnnotation);
  return [...fromProblems, ...fromViolations, ...fromDiagnostics];
}
