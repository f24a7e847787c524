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
import type { DriverName } from '../spec/types.js';
import { CONTRACTOR_VERSION } from '../version.js';
import { noteFor, readNote, writeNote } from './notes.js';
import { chooseExecutor, type ChosenExecutor } from './job-executor.js';
import { gitConfig, gitDir, readRevision, repositoryRoot } from './repository.js';
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
  // Three git processes at once (the root, the manager setting, the commit with its spec as
  // committed) while the YAML code loads: each would otherwise wait for the one before.
  const specCode = loadSpecCode();
  const committed = o.worktree ? undefined : readRevision(o.cwd, o.rev, SPEC_FILE);
  const selection = o.manager ?? gitConfig(o.cwd, 'contractor.manager');
  // Awaited below, after the root: outside a repository that is the error to report.
  void committed?.catch(() => undefined);
  void specCode.catch(() => undefined);
  const root = await repositoryRoot(o.cwd);
  // Chosen first: a remote manager's session opens while the spec and policy are read.
  const executor = await chooseExecutor(root, await selection);
  try {
    const facts = committed ? await committed : await worktreeFacts(root);
    return await runWith(o, root, executor, facts, await specCode);
  } finally {
    executor.release();
  }
}

/** The spec and policy parsers, with the YAML library under them: the heaviest code a run needs first. */
async function loadSpecCode() {
  const [{ parseSpec }, { effectivePolicy, readPolicyFile }] = await Promise.all([
    import('../spec/parse.js'),
    import('../spec/policy.js'),
  ]);
  return { parseSpec, effectivePolicy, readPolicyFile };
}

type SpecCode = Awaited<ReturnType<typeof loadSpecCode>>;

interface RevisionFacts {
  commit: string | undefined;
  tree: string;
  /** The spec as committed (or as in the working tree's snapshot), undefined when there is none. */
  file: string | undefined;
}

// Loaded only for --worktree: simple-git, which it uses, is not needed by a run of a commit.
async function worktreeFacts(root: string): Promise<RevisionFacts> {
  const tree = await (await import('./worktree-snapshot.js')).snapshotWorktree(root);
  return { commit: undefined, tree, file: await readCommittedFile(root, tree, SPEC_FILE) };
}

async function runWith(
  o: RunRevisionOptions,
  root: string,
  executor: ChosenExecutor,
  facts: RevisionFacts,
  code: SpecCode,
): Promise<RevisionResult> {
  const what = facts.commit ?? facts.tree;
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
    return await runSpec(o, root, executor, { ...facts, what }, code, takeSource);
  } finally {
    source?.release();
  }
}

async function runSpec(
  o: RunRevisionOptions,
  root: string,
  executor: ChosenExecutor,
  { commit, tree, file: text, what }: RevisionFacts & { what: string },
  { parseSpec, effectivePolicy, readPolicyFile }: SpecCode,
  takeSource: (wanted: boolean) => PrefetchedSource | undefined,
): Promise<RevisionResult> {
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
