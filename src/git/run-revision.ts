// `git contractor run [REV]`: the commit's own spec, the user's trusted policy, the commit's tree.
import { join } from 'node:path';
import { ContractorError } from '../errors.js';
import type { JobEvent, JobResult } from '../manager/job.js';
import { newJobId } from '../manager/job-id.js';
import { runJob } from '../manager/run-job.js';
import { driverByName } from '../manager/drivers.js';
import { parseSpec } from '../spec/parse.js';
import { effectivePolicy, readPolicyFile } from '../spec/policy.js';
import { policyPath } from '../spec/config-home.js';
import type { DriverName } from '../spec/types.js';
import { gitDir, repositoryRoot, resolveRevision } from './repository.js';
import { archiveCommit, readCommittedFile } from './snapshot.js';
import { snapshotWorktree } from './worktree-snapshot.js';

export const SPEC_FILE = '.contractor.yaml';

export interface RunRevisionOptions {
  cwd: string;
  rev: string;
  /** Build a snapshot of the working tree instead of a commit. */
  worktree?: boolean;
  driver?: DriverName;
  outDir?: string;
  audit: boolean;
  policyFile?: string;
  onEvent?: (e: JobEvent) => void;
  signal?: AbortSignal;
}

export async function runRevision(o: RunRevisionOptions): Promise<JobResult> {
  const root = await repositoryRoot(o.cwd);
  const { commit, tree } = o.worktree
    ? { commit: undefined, tree: await snapshotWorktree(root) }
    : await resolveRevision(root, o.rev);
  const what = commit ?? tree;
  const text = await readCommittedFile(root, what, SPEC_FILE);
  if (text === undefined)
    throw new ContractorError(
      'USAGE',
      `${o.worktree ? 'the working tree' : `${o.rev} (${what.slice(0, 12)})`} has no ${SPEC_FILE}; add one (see examples/hello/hello.yaml)`,
    );
  const spec = parseSpec(text, SPEC_FILE);
  const policySource = o.policyFile ?? policyPath();
  const policy = effectivePolicy(spec, await readPolicyFile(policySource), policySource);
  const driver = o.driver ?? policy.driver;
  const id = newJobId();
  return runJob(
    {
      id,
      spec,
      policy,
      driver,
      source: archiveCommit(root, what),
      workspaceDir: spec.workspace ? join(root, spec.workspace) : undefined,
      outDir: o.outDir ?? join(await gitDir(root), 'contractor', 'runs', id),
      commit,
      tree,
      audit: o.audit,
      onEvent: o.onEvent,
      signal: o.signal,
    },
    await driverByName(driver),
  );
}
