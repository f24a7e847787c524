// The seed's `contractor build SPEC`: build the spec's `source` directory as it is at the start.
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ContractorError } from '../errors.js';
import { readSpec } from '../spec/parse.js';
import { auditNotice, effectivePolicy, jobDriver, readPolicyFile } from '../spec/policy.js';
import { policyPath } from '../spec/config-home.js';
import { cutLimits, sayCutLimits } from '../spec/limit-origin.js';
import type { DriverName } from '../spec/types.js';
import { driverByName } from './drivers.js';
import type { JobEvent, JobResult } from './job.js';
import { newJobId } from './job-id.js';
import { signLocally } from './local-signing.js';
import { runJob } from './run-job.js';
import { archiveDirectory } from './source-directory.js';
import { buildStateDir } from './build-state-dir.js';
import { within } from '../worker/path-within.js';
import { sourceLocation } from './workspace-location.js';
import { workspacePlace } from './workspace-place.js';
import { claimOutDir } from './out-dir.js';

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
  const sourceDir = await sourceLocation(base, spec.source ?? '.', o.specFile);
  const policySource = o.policyFile ?? policyPath();
  const trusted = await readPolicyFile(policySource);
  const policy = effectivePolicy(spec, trusted, policySource, { audit: o.audit });
  const notice = auditNotice(policy);
  if (notice) o.onEvent?.({ type: 'status', message: notice });
  sayCutLimits(o.onEvent, cutLimits(spec, trusted, policySource));
  const driver = jobDriver(o.driver, policy);
  const state = buildStateDir(base);
  const workspaceDir = spec.workspace
    ? (
        await workspacePlace({
          base,
          keptDir: join(state, 'workspaces'),
          workspace: spec.workspace,
          specFile: o.specFile,
          approved: trusted.workspaces,
        })
      ).dir
    : undefined;
  // Saving the workspace replaces it whole: it may sit inside the source, never around it. (It
  // is never the spec's own directory, which parseSpec refused.)
  if (workspaceDir && within(sourceDir, workspaceDir))
    throw new ContractorError(
      'SPEC_INVALID',
      `${o.specFile}: workspace ${JSON.stringify(spec.workspace)} holds the source directory, which saving it would replace`,
    );
  const id = newJobId();
  // The workspace (and, with CONTRACTOR_HOME there, past runs) may live inside the source; they are not part of it.
  const exclude = [workspaceDir, state]
    .filter((d): d is string => d !== undefined && d !== sourceDir && within(d, sourceDir))
    .map((d) => relative(sourceDir, d));
  // The snapshot is named in the provenance by the sha256 of exactly the tar that was built.
  const digest = createHash('sha256');
  const digested = (archive: () => Readable) => (): Readable =>
    archive().on('data', (c: Buffer) => digest.update(c));
  const job = { spec, policy, driver, audit: o.audit };
  // A directory on this machine, built by its own user: trusted by definition, as any local run.
  const origin = {
    repository: pathToFileURL(sourceDir).href,
    event: 'local',
    trusted: true,
  } as const;
  if (o.outDir) await claimOutDir(o.outDir);
  return runJob(
    {
      ...job,
      id,
      source: digested(archiveDirectory(sourceDir, exclude)),
      sourceUnderSrc: digested(archiveDirectory(sourceDir, exclude, 'src')),
      workspaceDir,
      outDir: o.outDir ?? join(state, 'runs', id),
      origin,
      onEvent: o.onEvent,
      signal: o.signal,
      // Signed before result.json is written; the snapshot's digest is complete by then.
      seal: (result) =>
        signLocally(result, job, { origin, sourceDigest: { sha256: digest.digest('hex') } }),
    },
    await driverByName(driver),
  );
}
