// How the App builds a job: fetch with the installation token, trusted ceilings, the head's spec, an executor.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceProblem } from '../errors.js';
import { ContractorError, SpecError } from '../errors.js';
import { archiveCommit } from '../git/snapshot.js';
import type { JobExecutor } from '../manager/executor.js';
import type { JobResult } from '../manager/job.js';
import { parseSpec } from '../spec/parse.js';
import type { AppJob } from './app-job.js';
import { appOrigin } from './app-origin.js';
import { SPEC_FILE } from '../spec/spec-file.js';
import { readCommittedSpec } from './committed-spec.js';
import type { RepositoryPolicies } from './repository-policies.js';
import { headPolicy } from './head-policy.js';
import { logDiagnostics } from './log-diagnostics.js';
import type { CommitDiagnostics } from '../report/commit-diagnostics.js';
import { commitFactsOf, writeCommitFacts } from './run-facts.js';
import { fetchSource, runGit } from './source-fetch.js';
import { trustedCeiling } from './trusted-policy.js';
import { unbuiltResult } from './unbuilt-result.js';

export interface RunContext {
  runId: string;
  outDir: string;
  /** The installation token, for fetching only: it never goes into the job request. */
  token: () => Promise<string>;
  signal: AbortSignal;
}

export interface AppRunOutcome {
  result: JobResult;
  /** Spec problems to annotate at their line. */
  problems: SourceProblem[];
  /** What compilers and linters printed about files of the commit, to annotate at their line. */
  diagnostics?: CommitDiagnostics;
}

/** The seam the App is built around: the real one below, or a stand-in in tests and benchmarks. */
export type AppJobRunner = (job: AppJob, ctx: RunContext) => Promise<AppRunOutcome>;

export interface SourceRunnerOptions {
  cacheDir: string;
  gitUrl: string;
  policies: RepositoryPolicies;
  execute: JobExecutor;
}

export function sourceRunner(o: SourceRunnerOptions): AppJobRunner {
  return async (job, ctx) => {
    const source = await fetchSource({
      cacheDir: o.cacheDir,
      gitUrl: o.gitUrl,
      job,
      token: await ctx.token(),
    });
    await mkdir(ctx.outDir, { recursive: true });
    // For the report page's header only: a commit git cannot describe still builds.
    await commitFactsOf(source.gitDir, job.sha)
      .then((facts) => writeCommitFacts(ctx.outDir, facts))
      .catch(() => undefined);
    const ceiling = await trustedCeiling(job, source, o.policies);
    const refused = async (
      summary: string,
      problems: SourceProblem[] = [],
    ): Promise<AppRunOutcome> => ({
      result: await unbuiltResult({
        id: ctx.runId,
        outDir: ctx.outDir,
        commit: job.sha,
        status: 'failed',
        summary,
        policySource: ceiling.source,
      }),
      problems,
    });
    let spec;
    let policy;
    try {
      const text = await readCommittedSpec(source.gitDir, job.sha);
      // A head without a spec must not pass: deleting the file would otherwise switch the gate off.
      if (text === undefined) return refused(`${SPEC_FILE} is missing at ${job.sha.slice(0, 12)}`);
      spec = parseSpec(text, SPEC_FILE);
      policy = headPolicy(spec, ceiling);
    } catch (err) {
      if (err instanceof SpecError) return refused(`${SPEC_FILE} is invalid`, err.problems);
      if (err instanceof ContractorError && err.code === 'POLICY') return refused(err.message);
      throw err;
    }
    const tree = (
      await runGit(['--git-dir', source.gitDir, 'rev-parse', `${job.sha}^{tree}`])
    ).trim();
    // Superseded while fetching: no worker is started for a head nobody waits for any more.
    ctx.signal.throwIfAborted();
    const result = await o.execute({
      id: ctx.runId,
      spec,
      policy,
      driver: policy.driver,
      source: archiveCommit(source.gitDir, job.sha),
      sourceUnderSrc: archiveCommit(source.gitDir, job.sha, 'src'),
      outDir: ctx.outDir,
      commit: job.sha,
      tree,
      audit: false,
      origin: appOrigin(job, o.gitUrl),
      signal: ctx.signal,
    });
    // Annotations are extra: a log that cannot be read leaves the check run without them.
    const diagnostics = await logDiagnostics(
      join(ctx.outDir, 'log.txt'),
      source.gitDir,
      job.sha,
    ).catch(() => undefined);
    return { result, problems: [], ...(diagnostics ? { diagnostics } : {}) };
  };
}
