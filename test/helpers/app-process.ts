// The App as its own process, for SIGKILL tests and the webhook benchmark: configured by a JSON file,
// building with a stand-in runner that takes a fixed time and passes.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { startApp } from '../../src/github/app.js';
import type { AppJobRunner } from '../../src/github/app-job-runner.js';
import { unbuiltResult } from '../../src/github/unbuilt-result.js';

export interface AppProcessConfig {
  appId: number;
  privateKeyPem: string;
  secret: string;
  apiUrl: string;
  gitUrl: string;
  dataDir: string;
  port: number;
  buildMs: number;
  concurrency: number;
  /**
   * While this file exists, builds hold before finishing, each first appending its sha to
   * `<gateFile>.held`: a test can then kill the App with a build surely running.
   */
  gateFile?: string;
  /** postgresql://… : a replica sharing the queue with others on it. */
  database?: string;
  leaseMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sleepingRunner(ms: number, gateFile?: string): AppJobRunner {
  return async (job, ctx) => {
    if (gateFile && existsSync(gateFile)) {
      appendFileSync(`${gateFile}.held`, `${job.sha}\n`);
      while (existsSync(gateFile)) await sleep(20);
    }
    await sleep(ms);
    const result = await unbuiltResult({
      id: ctx.runId,
      outDir: ctx.outDir,
      commit: job.sha,
      status: 'failed',
      summary: 'stand-in',
    });
    return {
      result: { ...result, status: 'passed', exitCode: 0, summary: 'passed' },
      problems: [],
    };
  };
}

const config = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as AppProcessConfig;
const app = await startApp({
  appId: config.appId,
  privateKey: config.privateKeyPem,
  webhookSecret: config.secret,
  apiUrl: config.apiUrl,
  gitUrl: config.gitUrl,
  host: '127.0.0.1',
  port: config.port,
  dataDir: config.dataDir,
  database: config.database,
  leaseMs: config.leaseMs,
  runner: sleepingRunner(config.buildMs, config.gateFile),
  concurrency: config.concurrency,
  maxBodyBytes: 1024 * 1024,
  log: (l) => process.stderr.write(`${l}\n`),
});
process.stdout.write(`listening ${app.url}\n`);
