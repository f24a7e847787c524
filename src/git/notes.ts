// Results travel with the repository as git notes under refs/notes/contractor.
import type { JobResult } from '../manager/job.js';
import { gitOutput } from './git-output.js';

export const NOTES_REF = 'contractor';

export interface ResultNote {
  id: string;
  status: JobResult['status'];
  summary: string;
  driver: JobResult['driver'];
  tree: string | null;
  at: string;
  durationMs: number;
  phases: { name: string; exitCode: number | null; durationMs: number }[];
  violations: number;
  artifacts: { path: string; sha256: string }[];
  attestation: string | null;
  cached?: boolean;
}

export function noteFor(
  r: JobResult,
  attestationDigest: string | null,
  cached = false,
): ResultNote {
  return {
    id: r.id,
    status: r.status,
    summary: r.summary,
    driver: r.driver,
    tree: r.tree,
    at: r.finishedAt,
    durationMs: r.durationMs,
    phases: r.phases.map((p) => ({ name: p.name, exitCode: p.exitCode, durationMs: p.durationMs })),
    violations: r.violations.length,
    artifacts: r.artifacts.map((a) => ({ path: a.path, sha256: a.sha256 })),
    attestation: attestationDigest,
    ...(cached ? { cached } : {}),
  };
}

/** Not through simple-git either: `notes add` prints nothing, and simple-git then waits 50 ms for late output. */
export async function writeNote(root: string, commit: string, note: ResultNote): Promise<void> {
  await gitOutput(root, [
    'notes',
    `--ref=${NOTES_REF}`,
    'add',
    '-f',
    '-m',
    JSON.stringify(note),
    commit,
  ]);
}

export async function readNote(root: string, commit: string): Promise<ResultNote | undefined> {
  const text = await gitOutput(root, ['notes', `--ref=${NOTES_REF}`, 'show', commit]).catch(
    () => undefined,
  );
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ResultNote;
  } catch {
    return undefined;
  }
}

export interface NotedCommit {
  commit: string;
  subject: string;
  note: ResultNote;
}

/** The most recent commits reachable from HEAD that carry a result. */
export async function recentNotes(root: string, limit: number): Promise<NotedCommit[]> {
  const out = await gitOutput(root, [
    'log',
    `--notes=${NOTES_REF}`,
    '-n',
    String(limit * 20),
    '--format=%H%x00%s%x00%N%x1e',
  ]);
  const found: NotedCommit[] = [];
  for (const record of out.split('\x1e')) {
    const [commit, subject, noteText] = record.replace(/^\n/, '').split('\x00');
    if (!commit || !noteText?.trim()) continue;
    try {
      found.push({
        commit,
        subject: subject ?? '',
        note: JSON.parse(noteText.trim()) as ResultNote,
      });
    } catch {
      continue;
    }
    if (found.length >= limit) break;
  }
  return found;
}
