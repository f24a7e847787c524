// The GitHub App assembled: durable queue, dispatcher, HTTP server; started and stopped as one.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { JobExecutor } from '../manager/executor.js';
import { createAppServer, DEFAULT_MAX_CONNECTIONS } from './app-server.js';
import { sourceRunner, type AppJobRunner } from './app-job-runner.js';
import { GitHubApp } from './github-app.js';
import { prepareDataDir } from './data-dir.js';
import { JobDispatcher } from './job-dispatch.js';
import type { JobStore } from './job-store.js';
import { openJobStore } from './open-job-store.js';
import { fetchSharedRun } from './run-files.js';
import { NO_REPOSITORY_POLICIES, type RepositoryPolicies } from './repository-policies.js';
import type { RunRepository } from './repository-reader.js';
import { runAdmission } from './run-admission.js';
import { SignIn } from './sign-in.js';
import {
  DEFAULT_KEEP_BYTES,
  DEFAULT_KEEP_DAYS,
  pruneRuns,
  type RetentionLimits,
} from './run-retention.js';

export interface AppOptions {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  apiUrl: string;
  /** Where repositories are cloned from: https://github.com, or the GHES host. */
  gitUrl: string;
  /** The base URL of this server as users reach it, for details links. Default: the listening address. */
  publicUrl?: string;
  /** Where GitHub's sign-in pages are: https://github.com or the GHES host. Default: from apiUrl. */
  webUrl?: string;
  /** The App's OAuth client: without it, private repositories' pages are shown to nobody. */
  signIn?: {
    clientId: string;
    clientSecret: string;
    /** How long GitHub's "can read" holds before it is asked again (default 10 minutes). */
    recheckMs?: number;
    sessionTtlMs?: number;
    /** The clock sessions and checks are timed by (tests move it). */
    now?: () => number;
  };
  host: string;
  port: number;
  /** The SQLite queue (without `database`), the git cache and the runs' out dirs. */
  dataDir: string;
  /** postgresql://… : the queue and run records in PostgreSQL, shared by every replica. */
  database?: string;
  /** How long a replica's claim on a job holds without renewal (default 60 s). */
  leaseMs?: number;
  /** Artifacts up to this many bytes a run are kept in the database for other replicas. */
  maxSharedArtifactBytes?: number;
  policies?: RepositoryPolicies;
  /** Builds a job's request: the local drivers or a remote manager pool. */
  execute?: JobExecutor;
  /** Replaces the whole build step (tests and benchmarks); `execute` is then unused. */
  runner?: AppJobRunner;
  concurrency: number;
  /** Builds of one repository at once (default: no limit beyond `concurrency`). */
  perRepository?: number;
  maxBodyBytes: number;
  /** Connections served at once; more are closed before anything of them is read. */
  maxConnections?: number;
  /** How long and how much of finished runs is kept (default 30 days, 20 GiB). */
  retention?: Partial<RetentionLimits>;
  log: (line: string) => void;
}

export interface RunningApp {
  url: string;
  queue: JobStore;
  dispatcher: JobDispatcher;
  close: () => Promise<void>;
}

/** The GitHub API URL's git host: api.github.com → github.com; GHES https://HOST/api/v3 → https://HOST. */
export function gitUrlFor(apiUrl: string): string {
  const u = new URL(apiUrl);
  if (u.hostname === 'api.github.com') return 'https://github.com';
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/api\/v3\/?$/, '')}`.replace(/\/+$/, '');
}

/** The repository a run is of, as the webhook described it; jobs queued before privacy was stored count as private. */
async function runRepository(queue: JobStore, runId: string): Promise<RunRepository | undefined> {
  const job = (await queue.byRunId(runId))?.job;
  if (!job) return undefined;
  return { owner: job.owner, repo: job.repo, repoId: job.repoId, private: job.private !== false };
}

const RETENTION_EVERY_MS = 3_600_000;

/** Prunes old runs and deliveries now and every hour; returns the stop. */
function keepRetention(
  runsDir: string,
  queue: JobStore,
  limits: RetentionLimits,
  log: (line: string) => void,
): { stop: () => Promise<void> } {
  let pass = Promise.resolve();
  const prune = (): void => {
    pass = pass.then(async () => {
      const removed = await pruneRuns(runsDir, queue, limits);
      // Runs kept in a shared database go by age there too, whichever replica's pass comes first.
      removed.push(
        ...(await queue.forgetFinishedBefore(Date.now() - limits.keepDays * 86_400_000)),
      );
      await queue.pruneDeliveries();
      if (removed.length) log(`retention: removed ${removed.length} finished run(s)`);
    });
    pass = pass.catch((err: unknown) => log(`retention: ${(err as Error).message}`));
  };
  prune();
  const timer = setInterval(prune, RETENTION_EVERY_MS).unref();
  return { stop: () => (clearInterval(timer), pass) };
}

export async function startApp(o: AppOptions): Promise<RunningApp> {
  const policies = o.policies ?? NO_REPOSITORY_POLICIES;
  // Webhook payloads, logs and artifacts of private repositories: the App's user alone reads them.
  await prepareDataDir(o.dataDir, o.log);
  const queue = await openJobStore({
    database: o.database,
    dataDir: o.dataDir,
    leaseMs: o.leaseMs,
  });
  const runsDir = join(o.dataDir, 'runs');
  const runner =
    o.runner ??
    sourceRunner({
      cacheDir: join(o.dataDir, 'git'),
      gitUrl: o.gitUrl,
      policies,
      execute: o.execute ?? (await import('../manager/executor.js')).localExecutor,
    });
  const github = new GitHubApp({
    appId: o.appId,
    privateKey: o.privateKey,
    apiUrl: o.apiUrl,
    log: o.log,
  });
  let dispatcher: JobDispatcher | undefined;
  let url = '';
  const webUrl = o.webUrl ?? gitUrlFor(o.apiUrl);
  const signIn =
    o.signIn &&
    new SignIn({
      ...o.signIn,
      webUrl,
      apiUrl: o.apiUrl,
      publicUrl: () => o.publicUrl ?? url,
      log: o.log,
    });
  const server = createAppServer({
    log: o.log,
    maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    webhook: {
      secret: o.webhookSecret,
      queue,
      maxBodyBytes: o.maxBodyBytes,
      owners: policies.owners,
      onQueued: () => setImmediate(() => dispatcher?.notify()),
      log: o.log,
    },
    report: {
      runsDir,
      stateOf: async (id) => (await queue.byRunId(id))?.state,
      fetchRun: (id) => fetchSharedRun(queue, runsDir, id),
      admit: runAdmission({ repositoryOf: (id) => runRepository(queue, id), signIn }),
      webUrl,
    },
    repository: {
      runsDir,
      stateOf: async (id) => (await queue.byRunId(id))?.state,
      signIn,
      webUrl,
    },
    signIn,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  dispatcher = new JobDispatcher({
    queue,
    github,
    runner,
    runsDir,
    publicUrl: o.publicUrl ?? url,
    concurrency: o.concurrency,
    perRepository: o.perRepository,
    maxSharedArtifactBytes: o.maxSharedArtifactBytes,
    log: o.log,
  });
  await dispatcher.start();
  const d = dispatcher;
  const retention = keepRetention(
    runsDir,
    queue,
    {
      keepDays: o.retention?.keepDays ?? DEFAULT_KEEP_DAYS,
      keepBytes: o.retention?.keepBytes ?? DEFAULT_KEEP_BYTES,
    },
    o.log,
  );
  return {
    url,
    queue,
    dispatcher: d,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await d.stop();
      await retention.stop();
      await queue.close();
    },
  };
}
