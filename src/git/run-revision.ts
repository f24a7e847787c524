// `git contractor run [REV]`: the commit's own spec, the user's trusted policy, the commit's tree;
// a tree that already passed under the same key returns at once from the cache.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { sha256File } from '../attest/file-digest.js';
import { ContractorError } from '../errors.js';
import type { JobEvent, JobResult } from '../manager/job.js';
import { newJobId } from '../manager/job-id.js';
import { workerImageDigest } from '../manager/worker-image.js';
import { policyPath } from '../spec/config-home.js';
import { parseSpec } from '../spec/parse.js';
import { effectivePolicy, readPolicyFile } from '../spec/policy.js';
import type { DriverName } from '../spec/types.js';
import { CONTRACTOR_VERSION } from '../version.js';
import { noteFor, readNote, writeNote } from './notes.js';
import { chooseExecutor, type ChosenExecutor } from './job-executor.js';
import { gitDir, repositoryRoot, resolveRevision } from './repository.js';
import { cacheKey, ResultCache } from './result-cache.js';
import { archiveCommit, readCommittedFile } from './snapshot.js';
import { prefetchSource, type PrefetchedSource } from './source-prefetch.js';

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
  /** Skip the cache lookup (the result is still stored). */
  noCache?: boolean;
  /** A manager name, `A,B`, `*` or `local` (default: git config contractor.manager, else local). */
  manager?: string;
  onEvent?: (e: JobEvent) => void;
  signal?: AbortSignal;
}

export interface RevisionResult {
  result: JobResult;
  cached: boolean;
}

export async function runRevision(o: RunRevisionOptions): Promise<RevisionResult> {
  const root = await repositoryRoot(o.cwd);
  // Chosen first: a remote manager's session opens while the commit, spec and policy are read.
  const executor = await chooseExecutor(root, o.manager);
  try {
    return await runWith(o, root, executor);
  } finally {
    executor.release();
  }
}

// Loaded only for --worktree: simple-git, which it uses, is not needed by a run of a commit.
async function snapshotWorktree(root: string): Promise<string> {
  return (await import('./worktree-snapshot.js')).snapshotWorktree(root);
}

async function runWith(
  o: RunRevisionOptions,
  root: string,
  executor: ChosenExecutor,
): Promise<RevisionResult> {
  const { commit, tree } = o.worktree
    ? { commit: undefined, tree: await snapshotWorktree(root) }
    : await resolveRevision(root, o.rev);
  const what = commit ?? tree;
  // A local job with no saved workspace takes the source as `git archive` writes it: started now
  // when no cache lookup can make it unneeded, else once the lookup has missed.
  let source: PrefetchedSource | undefined;
  const startSource = (): PrefetchedSource =>
    (source ??= prefetchSource(archiveCommit(root, what, 'src')));
  const prefetch = executor.where === 'local';
  if (prefetch && (o.noCache || o.audit)) startSource();
  // Asked once the job is sure to run: a saved workspace is merged on the host from the plain archive.
  const takeSource = (wanted: boolean): PrefetchedSource | undefined => {
    if (prefetch && wanted) return startSource();
    source?.release();
    return undefined;
  };
  try {
    return await runSpec(o, root, executor, { commit, tree, what }, takeSource);
  } finally {
    source?.release();
  }
}

async function runSpec(
  o: RunRevisionOptions,
  root: string,
  executor: ChosenExecutor,
  { commit, tree, what }: { commit: string | undefined; tree: string; what: string },
  takeSource: (wanted: boolean) => PrefetchedSource | undefined,
): Promise<RevisionResult> {
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
  const git = await gitDir(root);
  const cache = new ResultCache(join(git, 'contractor', 'cache'));
  const imageDigest = await workerImageDigest(driver, spec.workerImage);
  const key = cacheKey({
    tree,
    specDigest: createHash('sha256').update(text).digest('hex'),
    policy,
    driver,
    imageDigest: executor.where === 'local' ? imageDigest : `${executor.where}:${imageDigest}`,
    version: CONTRACTOR_VERSION,
  });
  const hit = o.noCache || o.audit ? undefined : await cache.lookup(key);
  if (hit) {
    const result = { ...hit.result, commit: commit ?? null };
    // The cached envelope's statement names the commit first built; another commit with the same tree gets none.
    const attested = hit.result.commit === commit ? await envelopeDigest(result) : null;
    // The commit may already carry this very result (a push of the same commit to a new branch).
    if (commit && (await readNote(root, commit))?.id !== result.id)
      await writeNote(root, commit, noteFor(result, attested, true));
    return { result, cached: true };
  }
  const sourceUnderSrc = takeSource(!spec.workspace);
  const id = newJobId();
  const result = await executor.execute({
    id,
    spec,
    policy,
    driver,
    source: archiveCommit(root, what),
    sourceUnderSrc: sourceUnderSrc?.open ?? archiveCommit(root, what, 'src'),
    workspaceDir: spec.workspace ? join(root, spec.workspace) : undefined,
    outDir: o.outDir ?? join(git, 'contractor', 'runs', id),
    commit,
    tree,
    audit: o.audit,
    onEvent: o.onEvent,
    signal: o.signal,
  });
  if (!o.audit) await cache.store(key, result);
  if (commit) await writeNote(root, commit, noteFor(result, await envelopeDigest(result)));
  return { result, cached: false };
}

// The note names the envelope by digest, so a copy fetched from anywhere can be matched to this run.
async function envelopeDigest(result: JobResult): Promise<string | null> {
  if (!result.attestation) return null;
  // A cached result's run directory may have been cleaned away since; its note then names none.
  return sha256File(result.attestation).catch(() => null);
}
