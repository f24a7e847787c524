// The worker's output, back on the host: sanitised, saved as the workspace, its artifacts taken.
import { mkdir } from 'node:fs/promises';
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
import { replaceDirectory } from './save-workspace.js';
import { unpackSanitised } from './workspace-unpack.js';

/**
 * The worker's workspace comes back as an untrusted tar: sanitise it, save it, take the artifacts
 * (`artifacts`: the spec's globs as the job compiled them).
 */
export async function collectOutput(
  req: JobRequest,
  artifacts: ArtifactPattern[],
  work: string,
  onViolation: (v: Violation) => void,
  onLimit: (l: LimitName) => void,
): Promise<ArtifactCollection> {
  const out = join(work, 'out');
  await mkdir(out);
  // Everything is saved when there is a workspace to save; otherwise only what may be an artifact.
  const keep = req.workspaceDir ? undefined : artifactPathMatcher(artifacts);
  const unpacked = await unpackSanitised(
    join(work, 'out.tar'),
    out,
    req.policy.limits.diskBytes,
    keep,
    MAX_ARTIFACTS,
  );
  unpacked.dropped.forEach(onViolation);
  // The build may have removed src/, or packed nothing under it: then there is nothing to collect.
  await mkdir(join(out, 'src'), { recursive: true });
  if (unpacked.overLimit) onLimit('disk');
  if (unpacked.keptOver)
    return { artifacts: [], unmatched: [], refused: [], overflow: artifactOverflow(artifacts) };
  const collected = await collectArtifacts(
    join(out, 'src'),
    artifacts,
    join(req.outDir, 'artifacts'),
  );
  for (const path of collected.refused)
    onViolation({
      kind: 'filesystem',
      phase: 'build',
      detail: `artifact ${path} is not a regular file; not collected`,
    });
  if (req.workspaceDir) await replaceDirectory(req.workspaceDir, out);
  return collected;
}
