// Takes jobs from the durable queue and walks each check run through queued, in progress, completed.
// Every step is taken under a lease in the store, so several replicas can share one queue.
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
import type { JobStore, QueuedJob } from './job-store.js';
import { runFactsOf, writeRunFacts } from './run-facts.js';
import { readRunFiles } from './run-files.js';
import { unbuiltResult } from './unbuilt-result.js';

export interface DispatcherOptions {
  queue: JobStore;
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
  /** Artifacts up to this size go into a shared store with the run; larger ones stay on this replica. */
  maxSharedArtifactBytes?: number;
}

/** Artifacts kept in the database per run, by default: enough for reports and small binaries. */
export const DEFAULT_SHARED_ARTIFACT_BYTES = 64 * 1024 * 1024;

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
  private renewer: NodeJS.Timeout | undefined;
  private stopped = false;
  private passing = false;
  /** The pass under way: stop waits for it, so nothing is claimed after the running builds are counted. */
  private current: Promise<void> = Promise.resolve();
  private again = false;

  constructor(private readonly o: DispatcherOptions) {}

  async start(): Promise<void> {
    const { requeued, abandoned } = await this.o.queue.recover(this.maxAttempts);
    if (requeued || abandoned)
      this.o.log(
        `resuming: ${requeued} job(s) re-queued, ${abandoned} given up after a second interruption`,
      );
    this.timer = setInterval(() => this.notify(), this.o.tickMs ?? 1000);
    // Leases are renewed well inside their term, so a busy event loop does not lose them.
    this.renewer = setInterval(
      () => void this.o.queue.renew().catch((err: unknown) => this.warn('renewing leases', err)),
      Math.max(100, Math.floor(this.o.queue.leaseMs / 4)),
    );
    this.notify();
  }

  private get maxAttempts(): number {
    return this.o.maxAttempts ?? 2;
  }

  private warn(what: string, err: unknown): void {
    this.o.log(`${what} failed: ${(err as Error).message}`);
  }

  /** Something changed in the queue: one pass at a time, and one more if asked during it. */
  notify(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = true;
    this.current = this.pass()
      .catch((err: unknown) => this.warn('a queue pass', err))
      .finally(() => {
        this.passing = false;
        if (this.again) {
          this.again = false;
          this.notify();
        }
      });
  }

  /** Takes over what dead replicas held, announces new jobs, starts what fits, reports what is due. */
  private async pass(): Promise<void> {
    const { requeued, abandoned } = await this.o.queue.recover(this.maxAttempts);
    if (requeued || abandoned)
      this.o.log(
        `took over ${requeued + abandoned} job(s) whose lease lapsed: ${requeued} re-queued, ${abandoned} given up`,
      );
    for (const q of await this.o.queue.claimUnannounced()) void this.announce(q);
    await this.stopSuperseded();
    // A superseded build is reported once its worker has stopped and its lease is given up.
    for (const q of await this.o.queue.claimReporting()) void this.report(q);
    while (!this.stopped && this.running.size < this.o.concurrency) {
      const q = await this.o.queue.claim(this.o.perRepository);
      if (!q) break;
      const abort = new AbortController();
      const done = this.process(q, abort.signal)
        .catch((err: unknown) => this.warn(`job ${q.seq}`, err))
        .finally(() => {
          this.running.delete(q.seq);
          this.notify();
        });
      this.running.set(q.seq, { abort, done });
    }
  }

  /** GitHub shows a queued job at once; the lease is given up either way, with a delay on failure. */
  private async announce(q: QueuedJob): Promise<void> {
    const delay = await this.checkRunFor(q).then(
      () => 0,
      () => (this.retries.get(q.seq)?.at ?? 0) - Date.now(),
    );
    await this.o.queue.release(q.seq, Math.max(0, delay)).catch(() => {});
  }

  /** A newer head replaced these: their workers are stopped (the executors kill them on abort). */
  private async stopSuperseded(): Promise<void> {
    for (const [seq, r] of this.running)
      if (!r.abort.signal.aborted && (await this.o.queue.get(seq))?.state === 'superseded')
        r.abort.abort();
  }

  /** Graceful stop: running builds are cancelled and go back to the queue for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.current;
    const all = [...this.running.values()];
    all.forEach((r) => r.abort.abort());
    await Promise.all(all.map((r) => r.done));
    clearInterval(this.renewer);
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
      const now = await this.o.queue.get(q.seq);
      if (now?.checkRunId) return now.checkRunId;
      const { octokit } = await this.o.github.installation(q.job);
      const found = now?.checkRunRequested ? await findCheckRun(octokit, q.job) : undefined;
      if (found) {
        await this.o.queue.checkRunCreated(q.seq, found);
        return found;
      }
      await this.o.queue.checkRunRequested(q.seq);
      const id = await createCheckRun(octokit, q.job, this.reportUrl(q.runId));
      await this.o.queue.checkRunCreated(q.seq, id);
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
      await this.o.queue.retryLater(q.seq, this.failed(q.seq, 'starting the check run', err));
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
      // Superseded: reported as cancelled, not as this error, by whoever takes the released lease.
      if (signal.aborted) return this.o.queue.release(q.seq, 0);
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
    await this.shareRun(q.runId, outDir);
    // Superseded meanwhile, or taken over by another replica after this one's lease lapsed: the
    // lease is given up (if still ours) and whoever takes it next reports, as cancelled or built.
    if (!(await this.o.queue.finished(q.seq, JSON.stringify(outcome))))
      return this.o.queue.release(q.seq, 0);
    const now = await this.o.queue.get(q.seq);
    if (!now) return;
    this.unsent.add(q.seq);
    await this.report(now);
  }

  /** Where replicas share a store, the run's record goes into it for any of them to serve. */
  private async shareRun(runId: string, outDir: string): Promise<void> {
    if (!this.o.queue.sharedRuns) return;
    const files = await readRunFiles(
      outDir,
      this.o.maxSharedArtifactBytes ?? DEFAULT_SHARED_ARTIFACT_BYTES,
    );
    await this.o.queue.saveRunFiles(runId, files);
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
    await this.shareRun(q.runId, outDir);
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
        await this.o.queue.recordOutcome(q.seq, JSON.stringify(outcome));
      }
      const { octokit } = await this.o.github.installation(q.job);
      const id = await this.checkRunFor(q);
      // A completion sent just before a crash (or a failed attempt) is not sent again, nor an
      // annotation batch GitHub applied while its reply, and so our record of it, was lost.
      const onGitHub = this.unsent.has(q.seq) ? undefined : await checkRunState(octokit, q.job, id);
      if (onGitHub?.completed) {
        await this.o.queue.done(q.seq);
        return;
      }
      this.unsent.delete(q.seq);
      const { result, problems, diagnostics } = outcome;
      const conclusion = cancelled ? 'cancelled' : conclusionFor(result);
      // Batch counts are written in the order they were sent.
      let recorded = Promise.resolve();
      await completeCheckRun(octokit, q.job, id, {
        conclusion,
        output: checkRunOutput(result, this.reportUrl(q.runId), problems, diagnostics),
        annotations: checkRunAnnotations(result, problems, diagnostics),
        alreadySent: Math.max(q.annotationsSent, onGitHub?.annotations ?? 0),
        onBatchSent: (n) => {
          recorded = recorded.then(() => this.o.queue.annotationsSent(q.seq, n));
        },
      });
      await recorded;
      await this.o.queue.done(q.seq);
      this.retries.delete(q.seq);
      this.o.log(
        `${q.job.owner}/${q.job.repo}@${q.job.sha.slice(0, 12)}: ${result.status} (${conclusion})`,
      );
    } catch (err) {
      const delay = this.failed(q.seq, 'reporting the check run', err);
      // Another replica (or this one) tries again once the back-off has passed.
      await this.o.queue.release(q.seq, delay).catch(() => {});
    } finally {
      this.reportingNow.delete(q.seq);
    }
  }
}
