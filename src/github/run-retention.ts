// Finished runs are kept --keep-days and within --keep-size, oldest removed first, so a busy App
// does not fill its disk with logs and artifacts. A run still queued, building or reporting is
// never removed.
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobStore } from './job-store.js';

export interface RetentionLimits {
  keepDays: number;
  keepBytes: number;
}

export const DEFAULT_KEEP_DAYS = 30;
export const DEFAULT_KEEP_BYTES = 20 * 1024 ** 3;

interface KeptRun {
  runId: string;
  finishedMs: number;
  bytes: number;
}

/** Bytes the files beneath dir take; links are counted, never followed. */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await sizeOf(path);
    else total += (await lstat(path).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/** When the run finished: its result.json was written last. */
async function finishedAt(dir: string): Promise<number> {
  const result = await lstat(join(dir, 'result.json')).catch(() => undefined);
  return (result ?? (await lstat(dir))).mtimeMs;
}

async function finishedRuns(runsDir: string, queue: JobStore): Promise<KeptRun[]> {
  const names = await readdir(runsDir).catch(() => [] as string[]);
  const runs: KeptRun[] = [];
  for (const runId of names) {
    const state = (await queue.byRunId(runId))?.state;
    if (state !== undefined && state !== 'done') continue;
    const dir = join(runsDir, runId);
    runs.push({ runId, finishedMs: await finishedAt(dir), bytes: await sizeOf(dir) });
  }
  return runs.sort((a, b) => a.finishedMs - b.finishedMs);
}

/** Removes the runs past either limit, oldest first; returns their ids. */
export async function pruneRuns(
  runsDir: string,
  queue: JobStore,
  limits: RetentionLimits,
  now = Date.now(),
): Promise<string[]> {
  const runs = await finishedRuns(runsDir, queue);
  let total = runs.reduce((n, r) => n + r.bytes, 0);
  const oldest = now - limits.keepDays * 24 * 3_600_000;
  const removed: string[] = [];
  for (const run of runs) {
    if (run.finishedMs >= oldest && total <= limits.keepBytes) break;
    await rm(join(runsDir, run.runId), { recursive: true, force: true });
    // Its row goes too: the report page then says not found rather than "pending" forever.
    await queue.forget(run.runId);
    total -= run.bytes;
    removed.push(run.runId);
  }
  return removed;
}
