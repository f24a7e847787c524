// Takes jobs from the durable queue and walks each check run through queued, in progress, completed.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRunAnnotations, checkRunOutput } from '../report/check-run-markdown.js';
import type { AppJobRunner, AppRunOutcome } from './app-job-runner.js';
import {
  checkRunState,
  completeCheckRun,
  createCheckRun,
  findCheckRun,
  startCheckRun,
} from './check-run.js';
import { conclusionFor } from './conclusion.js';
import type { GitHubApp } from './github-app.js';
import type { JobQueue, QueuedJob } from './job-queue.js';
import { runFactsOf, writeRunFacts } from './run-facts.js';
import { unbuiltResult } from './unbuilt-result.js';

export interface DispatcherOptions {
  queue: JobQueue;
  github: GitHubApp;
  runner: AppJobRunner;
  runsDir: string;
  /** Where the report pages are, as GitHub users reach them. */
  publicUrl: string;
  concurrency: number;
  /** Builds of one repository at once, so one busy repository cannot hold every slot. */
  perRepository?: number;
  log: (line: string) => void;
  /** Builds started per job: a job running when the App died is re-run once, then reported as an error. */
  maxAttempts?: number;
  tickMs?: number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

function backoff(failures: number): number {
  return Math.min(1000 * 2 ** failures, MAX_BACKOFF_MS);
}

export class JobDispatcher {
  private readonly running = new Map<number, { abort: AbortController; done: Promise<void> }>();
  private readonly creating = new Map<number, Promise<number>>();
  private readonly reportingNow = new Set<number>();
  /** Jobs whose completion this process has not tried to send yet: no need to ask GitHub first. */
  private readonly unsent = new Set<number>();
  /** Per job: GitHub calls that failed in a row, and when to try again. */
  private readonly retries = new Map<number, { failures: number; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    const { requeued, abandoned } = this.o.queue.recover(this.o.maxAttempts ?? 2);
    if (requeued || abandoned)
      this.o.log(
        `resuming: ${requeued} job(s) re-queued, ${abandoned} given up after a second interruption`,
      );
    this.timer = setInterval(() => this.notify(), this.o.tickMs ?? 1000);
    this.notify();
  }

  /** Something changed in the queue: announce new jobs, start what fits, report what is due. */
  notify(): void {
    if (this.stopped) return;
    for (const q of this.o.queue.unannounced())
      if (this.due(q.seq)) void this.checkRunFor(q).catch(() => {});
    this.stopSuperseded();
    // A superseded build is reported once its worker has stopped writing to its directory.
    for (const q of this.o.queue.reporting())
      if (this.due(q.seq) && !this.running.has(q.seq)) void this.report(q);
    while (this.running.size < this.o.concurrency) {
      const q = this.o.queue.claim(this.o.perRepository);
      if (!q) break;
      const abort = new AbortController();
      const done = this.process(q, abort.signal).finally(() => {
        this.running.delete(q.seq);
        this.notify();
      });
      this.running.set(q.seq, { abort, done });
    }
  }

  /** A newer head replaced these: their workers are stopped (the executors kill them on abort). */
  private stopSuperseded(): void {
    for (const [seq, r] of this.running)
      if (!r.abort.signal.aborted && this.o.queue.get(seq)?.state === 'superseded') r.abort.abort();
  }

  /** Graceful stop: running builds are cancelled and go back to the queue for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const all = [...this.running.values()];
    all.forEach((r) => r.abort.abort());
    await Promise.all(all.map((r) => r.done));
  }

  reportUrl(runId: string): string {
    return `${this.o.publicUrl.replace(/\/+$/, '')}/runs/${runId}`;
  }

  private due(seq: number): boolean {
    return (this.retries.get(seq)?.at ?? 0) <= Date.now();
  }

  private failed(seq: number, what: string, err: unknown): number {
    const failures = (this.retries.get(seq)?.failures ?? 0) + 1;
    const delay = backoff(failures);
    this.retries.set(seq, { failures, at: Date.now() + delay });
    this.o.log(
      `job ${seq}: ${what} failed (retrying in ${Math.round(delay / 1000)}s): ${(err as Error).message}`,
    );
    return delay;
  }

  /** The job's one check run: created once, found again by external_id if a create was cut short. */
  private checkRunFor(q: QueuedJob): Promise<number> {
    if (q.checkRunId) return Promise.resolve(q.checkRunId);
    const pending = this.creating.get(q.seq);
    if (pending) return pending;
    const create = (async () => {
      const now = this.o.queue.get(q.seq);
      if (now?.checkRunId) return now.checkRunId;
      const { octokit } = await this.o.github.installation(q.job);
      const found = now?.checkRunRequested ? await findCheckRun(octokit, q.job) : undefined;
      if (found) {
        this.o.queue.checkRunCreated(q.seq, found);
        return found;
      }
      this.o.queue.checkRunRequested(q.seq);
      const id = await createCheckRun(octokit, q.job, this.reportUrl(q.runId));
      this.o.queue.checkRunCreated(q.seq, id);
      this.retries.delete(q.seq);
      return id;
    })();
    const tracked = create
      .catch((err: unknown) => {
        this.failed(q.seq, 'creating the check run', err);
        throw err;
      })
      .finally(() => this.creating.delete(q.seq));
    this.creating.set(q.seq, tracked);
    return tracked;
  }

  private async process(q: QueuedJob, signal: AbortSignal): Promise<void> {
    const { job, runId } = q;
    let token: () => Promise<string>;
    try {
      const inst = await this.o.github.installation(job);
      token = inst.token;
      await startCheckRun(inst.octokit, job, await this.checkRunFor(q));
    } catch (err) {
      // GitHub's trouble, not the build's: the attempt does not count.
      this.o.queue.retryLater(q.seq, this.failed(q.seq, 'starting the check run', err));
      return;
    }
    const outDir = join(this.o.runsDir, runId);
    // A re-run after a crash starts from an empty directory, so nothing half-written is served.
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    await writeRunFacts(outDir, runFactsOf(job));
    let outcome: AppRunOutcome;
    try {
      outcome = await this.o.runner(job, { runId, outDir, token, signal });
    } catch (err) {
      if (signal.aborted && this.stopped) return this.o.queue.retryLater(q.seq, 0);
      if (signal.aborted) return; // superseded: reported as cancelled, not as this error
      this.o.log(
        `job ${q.seq} (${job.owner}/${job.repo}@${job.sha.slice(0, 12)}): ${(err as Error).message}`,
      );
      outcome = {
        result: await unbuiltResult({
          id: runId,
          outDir,
          commit: job.sha,
          status: 'error',
          summary: `infrastructure error: ${(err as Error).message}`,
        }),
        problems: [],
      };
    }
    if (signal.aborted && this.stopped) return this.o.queue.retryLater(q.seq, 0);
    this.o.queue.finished(q.seq, JSON.stringify(outcome));
    const now = this.o.queue.get(q.seq);
    // Superseded meanwhile: notify reports it as cancelled once this build is out of `running`.
    if (now?.state !== 'reporting') return;
    this.unsent.add(q.seq);
    await this.report(now);
  }

  private superseded(q: QueuedJob): Promise<AppRunOutcome> {
    return this.unbuilt(
      q,
      `superseded by ${q.supersededBy?.slice(0, 12) ?? 'a newer head'}: a newer commit of this ${q.job.pull ? 'pull request' : 'branch'} is built instead`,
    );
  }

  private abandoned(q: QueuedJob): Promise<AppRunOutcome> {
    return this.unbuilt(
      q,
      `the App stopped twice while building this commit; re-run the check to try again`,
    );
  }

  /** The outcome of a job no worker built, saying why. */
  private async unbuilt(q: QueuedJob, summary: string): Promise<AppRunOutcome> {
    const outDir = join(this.o.runsDir, q.runId);
    await mkdir(outDir, { recursive: true });
    await writeRunFacts(outDir, runFactsOf(q.job));
    const result = await unbuiltResult({
      id: q.runId,
      outDir,
      commit: q.job.sha,
      status: 'error',
      summary,
    });
    return { result, problems: [] };
  }

  private async report(q: QueuedJob): Promise<void> {
    if (this.reportingNow.has(q.seq)) return;
    this.reportingNow.add(q.seq);
    try {
      const cancelled = q.state === 'superseded';
      let outcome: AppRunOutcome;
      if (q.outcome) outcome = JSON.parse(q.outcome) as AppRunOutcome;
      else {
        outcome = cancelled ? await this.superseded(q) : await this.abandoned(q);
        this.o.queue.recordOutcome(q.seq, JSON.stringify(outcome));
      }
      const { octokit } = await this.o.github.installation(q.job);
      const id = await this.checkRunFor(q);
      // A completion sent just before a crash (or a failed attempt) is not sent again, nor an
      // annotation batch GitHub applied while its reply, and so our record of it, was lost.
      const onGitHub = this.unsent.has(q.seq) ? undefined : await checkRunState(octokit, q.job, id);
      if (onGitHub?.completed) {
        this.o.queue.done(q.seq);
        return;
      }
      this.unsent.delete(q.seq);
      const { result, problems, diagnostics } = outcome;
      const conclusion = cancelled ? 'cancelled' : conclusionFor(result);
      await completeCheckRun(octokit, q.job, id, {
        conclusion,
        output: checkRunOutput(result, this.reportUrl(q.runId), problems, diagnostics),
        annotations: checkRunAnnotations(result, problems, diagnostics),
        alreadySent: Math.max(q.annotationsSent, onGitHub?.annotations ?? 0),
        onBatchSent: (n) => this.o.queue.annotationsSent(q.seq, n),
      });
      this.o.queue.done(q.seq);
      this.retries.delete(q.seq);
      this.o.log(
        `${q.job.owner}/${q.job.repo}@${q.job.sha.slice(0, 12)}: ${result.status} (${conclusion})`,
      );
    } catch (err) {
      this.failed(q.seq, 'reporting the check run', err);
    } finally {
      this.reportingNow.delete(q.seq);
    }
  }
}
