// The check run's life on GitHub: created queued, started, completed with its output and annotations.
import type { Octokit } from '@octokit/core';
import type { CheckRunAnnotation, CheckRunOutput } from '../report/check-run-markdown.js';
import type { AppJob } from './app-job.js';
import { CHECK_RUN_NAME } from './check-run-name.js';
import type { Conclusion } from './conclusion.js';

/** GitHub takes at most 50 annotations per request. */
export const ANNOTATION_BATCH = 50;

type Target = Pick<AppJob, 'owner' | 'repo' | 'sha' | 'key'>;

export async function createCheckRun(octokit: Octokit, job: Target, detailsUrl: string): Promise<number> {
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    owner: job.owner,
    repo: job.repo,
    name: CHECK_RUN_NAME,
    head_sha: job.sha,
    status: 'queued',
    external_id: job.key,
    details_url: detailsUrl,
  });
  return Number(data.id);
}

/** A create that may have reached GitHub before a crash: find it by its external id instead of making two. */
export async function findCheckRun(octokit: Octokit, job: Target): Promise<number | undefined> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner: job.owner,
    repo: job.repo,
    ref: job.sha,
    check_name: CHECK_RUN_NAME,
    filter: 'all',
    per_page: 100,
  });
  const found = data.check_runs.find((r) => r.external_id === job.key);
  return found && Number(found.id);
}

/**
 * The check run as GitHub holds it, read after a crash or a failed report: a completion or an
 * annotation batch GitHub already has must not be sent twice.
 */
export async function checkRunState(
  octokit: Octokit,
  job: Target,
  id: number,
): Promise<{ completed: boolean; annotations: number }> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    owner: job.owner,
    repo: job.repo,
    check_run_id: id,
  });
  return { completed: data.status === 'completed', annotations: data.output.annotations_count };
}

export async function startCheckRun(octokit: Octokit, job: Target, id: number): Promise<void> {
  await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    owner: job.owner,
    repo: job.repo,
    check_run_id: id,
    status: 'in_progress',
    started_at: new Date().toISOString(),
  });
}

export interface Completion {
  conclusion: Conclusion;
  output: CheckRunOutput;
  annotations: CheckRunAnnotation[];
  /** Annotations GitHub already has (sent before a restart or a lost reply): not sent twice. */
  alreadySent: number;
  onBatchSent: (sentSoFar: number) => void;
}

/** Annotation batches go first while the run is still open; the last request completes it. */
export async function completeCheckRun(
  octokit: Octokit,
  job: Target,
  id: number,
  c: Completion,
): Promise<void> {
  const route = 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}' as const;
  const base = { owner: job.owner, repo: job.repo, check_run_id: id };
  let sent = c.alreadySent;
  while (c.annotations.length - sent > ANNOTATION_BATCH) {
    const batch = c.annotations.slice(sent, sent + ANNOTATION_BATCH);
    await octokit.request(route, { ...base, output: { ...c.output, annotations: batch } });
    sent += batch.length;
    c.onBatchSent(sent);
  }
  const last = c.annotations.slice(sent);
  await octokit.request(route, {
    ...base,
    status: 'completed',
    conclusion: c.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...c.output, ...(last.length ? { annotations: last } : {}) },
  });
  c.onBatchSent(c.annotations.length);
}
