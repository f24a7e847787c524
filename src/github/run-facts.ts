// What the report pages say about a run beyond its result: whose, which branch or pull request, which commit.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppJob } from './app-job.js';
import { runGit } from './source-fetch.js';

/** run.json: from the verified webhook, written when the build starts. */
export interface RunFacts {
  owner: string;
  repo: string;
  repoId: number;
  private: boolean;
  sha: string;
  /** The branch, without refs/heads/. */
  branch: string | null;
  pull: { number: number; baseRef: string } | null;
  queuedAt: string;
}

/** commit.json: from the commit itself, so the build's author wrote every word of it. */
export interface CommitFacts {
  title: string;
  authorName: string;
  authorEmail: string;
}

const RUN_FILE = 'run.json';
const COMMIT_FILE = 'commit.json';

export function runFactsOf(job: AppJob, now = new Date()): RunFacts {
  return {
    owner: job.owner,
    repo: job.repo,
    repoId: job.repoId,
    // Jobs without the flag are treated as private, as the admission does.
    private: job.private !== false,
    sha: job.sha,
    branch: job.pull ? null : (job.ref?.replace(/^refs\/heads\//, '') ?? null),
    pull: job.pull ? { number: job.pull.number, baseRef: job.pull.baseRef } : null,
    queuedAt: now.toISOString(),
  };
}

export async function writeRunFacts(outDir: string, facts: RunFacts): Promise<void> {
  await writeFile(join(outDir, RUN_FILE), JSON.stringify(facts));
}

export async function readRunFacts(outDir: string): Promise<RunFacts | undefined> {
  const text = await readFile(join(outDir, RUN_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as RunFacts);
}

/** The subject line and author of a fetched commit, capped: one line each, no control characters. */
export async function commitFactsOf(gitDir: string, sha: string): Promise<CommitFacts> {
  const out = await runGit(['--git-dir', gitDir, 'show', '-s', '--format=%s%x00%an%x00%ae', sha]);
  const [title = '', authorName = '', authorEmail = ''] = out
    .replace(/\n$/, '')
    .split('\0')
    .map((s) => s.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 300));
  return { title, authorName, authorEmail };
}

export async function writeCommitFacts(outDir: string, facts: CommitFacts): Promise<void> {
  await writeFile(join(outDir, COMMIT_FILE), JSON.stringify(facts));
}

export async function readCommitFacts(outDir: string): Promise<CommitFacts | undefined> {
  const text = await readFile(join(outDir, COMMIT_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as CommitFacts);
}
