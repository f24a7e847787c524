// Results travel with the repository as git notes under refs/notes/contractor.
import type { JobResult } from '../manager/job.js';
import { violationCount } from '../report/violation-count.js';
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
    violations: violationCount(r),
    artifacts: r.artifacts.map((a) => ({ path: a.path, sha256: a.sha256 })),
    attestation: attestationDigest,
    ...(cached ? { cached } : {}),
  };
}

/** Who writes a note when git knows nobody: a fresh CI user or container often has no identity. */
const FALLBACK_IDENTITY = {
  GIT_AUTHOR_NAME: 'Contractor',
  GIT_AUTHOR_EMAIL: 'contractor@localhost',
  GIT_COMMITTER_NAME: 'Contractor',
  GIT_COMMITTER_EMAIL: 'contractor@localhost',
};

/** git's refusals to make a commit (here the notes ref's) without a name or email it trusts. */
const NO_IDENTITY = /Please tell me who you are|empty ident name|auto-detect/;

/**
 * Not through simple-git either: `notes add` prints nothing, and simple-git then waits 50 ms for
 * late output. The user's identity signs the notes commit; only when git has none, Contractor's.
 */
export async function writeNote(root: string, commit: string, note: ResultNote): Promise<void> {
  const args = ['notes', `--ref=${NOTES_REF}`, 'add', '-f', '-m', JSON.stringify(note), commit];
  await gitOutput(root, args)
    .catch((e: Error) => {
      if (!NO_IDENTITY.test(e.message)) throw e;
      return gitOutput(root, args, FALLBACK_IDENTITY);
    })
    .catch((e: Error) => {
      // git's own reason, not its command line, which carries the whole note.
      const reason = /(?:fatal|error): .*/.exec(e.message)?.[0] ?? e.message;
      throw new Error(`git notes add: ${reason}`);
    });
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
  /** Local branches whose tip it is. */
  branches: string[];
  note: ResultNote;
}

/** The most recent commits reachable from HEAD that carry a result. */
export async function recentNotes(root: string, limit: number): Promise<NotedCommit[]> {
  const out = await gitOutput(root, [
    'log',
    `--notes=${NOTES_REF}`,
    '-n',
    String(limit * 20),
    '--decorate-refs=refs/heads/',
    '--format=%H%x00%s%x00%D%x00%N%x1e',
  ]);
  const found: NotedCommit[] = [];
  for (const record of out.split('\x1e')) {
    const [commit, subject, refs, noteText] = record.replace(/^\n/, '').split('\x00');
    if (!commit || !noteText?.trim()) continue;
    try {
      found.push({
        commit,
        subject: subject ?? '',
        branches: branchNames(refs ?? ''),
        note: JSON.parse(noteText.trim()) as ResultNote,
      });
    } catch {
      continue;
    }
    if (found.length >= limit) break;
  }
  return found;
}

/** `%D` of a commit as git prints it ("HEAD -> main, topic"): the branch names alone. */
function branchNames(decoration: string): string[] {
  return decoration
    .split(', ')
    .map((d) => d.replace(/^HEAD -> /, ''))
    .filter((d) => d && d !== 'HEAD');
}
