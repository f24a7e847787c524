// A repository's recent runs, found in the runs directory by the run.json each one starts with.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobResult } from '../manager/job.js';
import { RUN_ID } from './run-id.js';
import { readCommitFacts, readRunFacts, type CommitFacts, type RunFacts } from './run-facts.js';

export interface RecentRun {
  runId: string;
  facts: RunFacts;
  commit: CommitFacts | undefined;
  /** The result's status, or the queue's state for a run without one yet. */
  state: string;
}

/** Directories looked at per request: retention keeps the directory small, this keeps a page cheap. */
const MAX_SCANNED = 2000;

export async function recentRuns(o: {
  runsDir: string;
  owner: string;
  repo: string;
  stateOf: (runId: string) => Promise<string | undefined>;
  limit: number;
  /** Only runs this accepts (a branch's badge wants that branch's newest). */
  want?: (f: RunFacts) => boolean;
}): Promise<RecentRun[]> {
  const names = await readdir(o.runsDir).catch(() => [] as string[]);
  // Run ids start with their UTC time: newest first by name.
  const ids = names
    .filter((n) => RUN_ID.test(n))
    .sort()
    .reverse()
    .slice(0, MAX_SCANNED);
  const found: RecentRun[] = [];
  for (const runId of ids) {
    if (found.length >= o.limit) break;
    const dir = join(o.runsDir, runId);
    const facts = await readRunFacts(dir).catch(() => undefined);
    if (!facts || !sameRepository(facts, o.owner, o.repo) || (o.want && !o.want(facts))) continue;
    found.push({
      runId,
      facts,
      commit: await readCommitFacts(dir).catch(() => undefined),
      state: await stateOf(dir, runId, o.stateOf),
    });
  }
  return found;
}

/** GitHub's names are case-insensitive. */
function sameRepository(f: RunFacts, owner: string, repo: string): boolean {
  return (
    f.owner.toLowerCase() === owner.toLowerCase() && f.repo.toLowerCase() === repo.toLowerCase()
  );
}

async function stateOf(
  dir: string,
  runId: string,
  queued: (runId: string) => Promise<string | undefined>,
): Promise<string> {
  const queue = await queued(runId);
  if (queue === 'superseded') return 'superseded';
  const text = await readFile(join(dir, 'result.json'), 'utf8').catch(() => undefined);
  try {
    if (text !== undefined) return (JSON.parse(text) as JobResult).status;
  } catch {
    return 'unknown';
  }
  return queue ?? 'unknown';
}
