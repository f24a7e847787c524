// The worker's output, back on the host: sanitised, saved as the workspace, its artifacts taken.
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Violation } from '../net/violation.js';
import type { LimitName } from '../spec/types.js';
import {
  artifactOverflow,
  artifactPathMatcher,
  MAX_ARTIFACTS,
  type ArtifactPattern,
} from './artifact-patterns.js';
import { collectArtifacts, type ArtifactCollection } from './artifacts.js';
import type { JobRequest } from './job.js';
import { replaceDirectory, stagingBeside } from './save-workspace.js';
import { unpackSanitised } from './workspace-unpack.js';

export interface CollectedOutput extends ArtifactCollection {
  /**
   * The sanitised workspace, beside the spec's, when there is one: saved in its place only once
   * the run is known to have passed (keepWorkspace), removed otherwise.
   */
  staged?: string;
}

/**
 * The worker's workspace comes back as an untrusted tar: sanitise it, take the artifacts
 * (`artifacts`: the spec's globs as the job compiled them), and stage it to be saved.
 */
export async function collectOutput(
  req: JobRequest,
  artifacts: ArtifactPattern[],
  work: string,
  onViolation: (v: Violation) => void,
  onLimit: (l: LimitName) => void,
): Promise<CollectedOutput> {
  const tar = join(work, 'out.tar');
  const workspace = req.workspaceDir;
  if (!workspace) return collect(req, artifacts, tar, join(work, 'out'), onViolation, onLimit);
  const out = await stagingBeside(workspace);
  try {
    return {
      ...(await collect(req, artifacts, tar, out, onViolation, onLimit, workspace)),
      staged: out,
    };
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The build's workspace takes the saved one's place only after a run that passed and was not
 * --audit: a failed or audited build's leftovers never become what the next build, or the
 * user, starts from. The staged copy is gone either way.
 */
export async function keepWorkspace(
  req: JobRequest,
  staged: string,
  passed: boolean,
): Promise<void> {
  try {
    if (passed && !req.audit && req.workspaceDir) await replaceDirectory(req.workspaceDir, staged);
  } finally {
    await rm(staged, { recursive: true, force: true }); // gone already once saved
  }
}

/** Unpacks the tar into `out` and takes the artifacts from it (all of it kept when it is a workspace). */
async function collect(
  req: JobRequest,
  artifacts: ArtifactPattern[],
  tar: string,
  out: string,
  onViolation: (v: Violation) => void,
  onLimit: (l: LimitName) => void,
  workspace?: string,
): Promise<ArtifactCollection> {
  await mkdir(out, { recursive: true });
  // Everything is saved when there is a workspace to save; otherwise only what may be an artifact.
  const unpacked = await unpackSanitised(
    tar,
    out,
    req.policy.limits.diskBytes,
    workspace
      ? { reuseFrom: workspace }
      : { keep: artifactPathMatcher(artifacts), maxKept: MAX_ARTIFACTS },
  );
  unpacked.dropped.forEach(onViolation);
  // The build may have removed src/, or packed nothing under it: then there is nothing to collect.
  // lstat, not stat: a src/ the build made a link is not followed, not even to make it.
  if (!(await lstat(join(out, 'src')).catch(() => undefined))) await mkdir(join(out, 'src'));
  if (unpacked.overLimit) onLimit('disk');
  if (unpacked.keptOver)
    return { artifacts: [], unmatched: [], refused: [], overflow: artifactOverflow(artifacts) };
  const collected = await collectArtifacts(
    join(out, 'src'),
    artifacts,
    join(req.outDir, 'artifacts'),
  );
  if (collected.srcNotADirectory)
    onViolation({
      kind: 'output',
      phase: 'build',
      detail: 'src: the build made it a link or a file; no artifact is collected through it',
    });
  for (const path of collected.refused)
    onViolation({
      kind: 'filesystem',
      phase: 'build',
      detail: `artifact ${path} is not a regular file; not collected`,
    });
  return collected;
}
