// The seed's `contractor build SPEC`: build the spec's `source` directory as it is at the start.
import { dirname, join, relative, resolve } from 'node:path';
import { readSpec } from '../spec/parse.js';
import { effectivePolicy, readPolicyFile } from '../spec/policy.js';
import { policyPath } from '../spec/config-home.js';
import type { DriverName } from '../spec/types.js';
import { driverByName } from './drivers.js';
import type { JobEvent, JobResult } from './job.js';
import { newJobId } from './job-id.js';
import { runJob } from './run-job.js';
import { archiveDirectory } from './source-directory.js';

export interface BuildSpecOptions {
  specFile: string;
  driver?: DriverName;
  outDir?: string;
  audit: boolean;
  policyFile?: string;
  onEvent?: (e: JobEvent) => void;
  signal?: AbortSignal;
}

export async function buildSpec(o: BuildSpecOptions): Promise<JobResult> {
  const spec = await readSpec(o.specFile);
  const base = dirname(resolve(o.specFile));
  const sourceDir = resolve(base, spec.source ?? '.');
  const workspaceDir = spec.workspace ? resolve(base, spec.workspace) : undefined;
  const policySource = o.policyFile ?? policyPath();
  const policy = effectivePolicy(spec, await readPolicyFile(policySource), policySource);
  const driver = o.driver ?? policy.driver;
  const id = newJobId();
  // The workspace and past runs may live inside the source; they are not part of it.
  const exclude = [workspaceDir, join(base, '.contractor')]
    .filter((d): d is string => d !== undefined)
    .map((d) => relative(sourceDir, d))
    .filter((rel) => rel && !rel.startsWith('..'));
  return runJob(
    {
      id,
      spec,
      policy,
      driver,
      source: archiveDirectory(sourceDir, exclude),
      workspaceDir,
      outDir: o.outDir ?? join(base, '.contractor', 'runs', id),
      audit: o.audit,
      onEvent: o.onEvent,
      signal: o.signal,
    },
    await driverByName(driver),
  );
}
