// One App under test: the API double (GHES-style /api/v3 and git), a fixture repository, and the App
// started in this process with a scripted executor in place of a worker.
import { join } from 'node:path';
import { startApp, type AppOptions, type RunningApp } from '../../src/github/app.js';
import type { AppJobRunner } from '../../src/github/app-job-runner.js';
import type { JobExecutor } from '../../src/manager/executor.js';
import type { RepositoryPolicies } from '../../src/github/repository-policies.js';
import { appKeys, type AppKeys } from './app-keys.js';
import { fixtureRepo, type FixtureRepo } from './app-fixture-repo.js';
import { GitHubDouble, type DoubleCheckRun } from './github-double.js';
import { scriptedExecutor, type SeenJob } from './scripted-executor.js';
import { tempDir } from './tmp.js';
import { TEST_SECRET } from './webhook-examples.js';

export const APP_ID = 29310;

export interface Harness {
  double: GitHubDouble;
  app: RunningApp;
  keys: AppKeys;
  repo: FixtureRepo;
  seen: SeenJob[];
  dataDir: string;
  /** Where the double serves repositories from: owner/name.git beneath it. */
  gitRoot: string;
  logs: string[];
  /** Resolves once the check runs for sha satisfy the predicate. */
  waitForRuns: (
    sha: string,
    ok: (runs: DoubleCheckRun[]) => boolean,
    timeoutMs?: number,
  ) => Promise<DoubleCheckRun[]>;
  close: () => Promise<void>;
}

// Generous: it returns as soon as the probe holds; only a machine under load comes near the bound.
export async function waitUntil<T>(
  probe: () => T | undefined | false,
  timeoutMs = 120_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startHarness(
  o: {
    policies?: RepositoryPolicies;
    runner?: AppJobRunner;
    execute?: JobExecutor;
    concurrency?: number;
    perRepository?: number;
    signIn?: AppOptions['signIn'];
    publicUrl?: string;
    maxConnections?: number;
  } = {},
): Promise<Harness> {
  const tmp = tempDir('contractor-app-');
  const keys = appKeys();
  const gitRoot = join(tmp.path, 'github');
  const repo = fixtureRepo(gitRoot);
  const double = await GitHubDouble.start({ appId: APP_ID, publicKey: keys.publicKey, gitRoot });
  const seen: SeenJob[] = [];
  const logs: string[] = [];
  const dataDir = join(tmp.path, 'app');
  const app = await startApp({
    appId: APP_ID,
    privateKey: keys.privateKeyPem,
    webhookSecret: TEST_SECRET,
    apiUrl: double.apiUrl,
    gitUrl: double.url,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    policies: o.policies,
    execute: o.execute ?? scriptedExecutor(seen),
    runner: o.runner,
    concurrency: o.concurrency ?? 2,
    perRepository: o.perRepository,
    signIn: o.signIn,
    publicUrl: o.publicUrl,
    maxBodyBytes: 1024 * 1024,
    maxConnections: o.maxConnections,
    log: (l) => logs.push(l),
  });
  if (o.signIn)
    double.oauthApp = {
      clientId: o.signIn.clientId,
      clientSecret: o.signIn.clientSecret,
      callbackUrl: `${o.publicUrl ?? app.url}/auth/callback`,
    };
  return {
    double,
    app,
    keys,
    repo,
    seen,
    dataDir,
    gitRoot,
    logs,
    waitForRuns: (sha, ok, timeoutMs) =>
      waitUntil(
        () => (ok(double.runsFor(sha)) ? double.runsFor(sha) : undefined),
        timeoutMs,
        `check runs on ${sha.slice(0, 12)}`,
      ),
    close: async () => {
      await app.close();
      await double.close();
      repo.work.remove();
      tmp.remove();
    },
  };
}

export const completed =
  (n = 1) =>
  (runs: DoubleCheckRun[]) =>
    runs.length >= n && runs.every((r) => r.status === 'completed');
