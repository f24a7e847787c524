// `git contractor run [REV]`: the commit's own spec, the user's trusted policy, the commit's tree;
// a tree that already passed under the same key returns at once from the cache.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { sha256File } from '../attest/file-digest.js';
import { ContractorError } from '../errors.js';
import { AuditRefused } from '../manager/audit-refusal.js';
import type { JobEvent, JobResult } from '../manager/job.js';
import { newJobId } from '../manager/job-id.js';
import { claimOutDir } from '../manager/out-dir.js';
import { workerImageDigest } from '../manager/worker-image.js';
import {
  keptWorkspacesIn,
  placeLabel,
  workspacePlace,
  type WorkspacePlace,
} from '../manager/workspace-place.js';
import { policyPath } from '../spec/config-home.js';
import { cutLimits, sayCutLimits } from '../spec/limit-origin.js';
import { SPEC_FILE, specTooLarge } from '../spec/spec-file.js';
import type { DriverName } from '../spec/types.js';
import { CONTRACTOR_VERSION } from '../version.js';
import { copyCachedRun, runFilesIntact } from './cached-run-copy.js';
import { gitOutput } from './git-output.js';
import { noteFor, readNote, writeNote } from './notes.js';
import { chooseExecutor, type ChosenExecutor } from './job-executor.js';
import { cacheKey, ResultCache } from './result-cache.js';
import { localOrigin, type PushTarget } from './local-origin.js';
import { gitDir, readCommittedFile, type CommittedFile } from './repository.js';
import { archiveCommit } from './snapshot.js';
import { SPEC_REQUEST, startRevision, type RevisionStart } from './revision-start.js';

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
  /** Set by the pre-push hook: the push being checked, which the provenance names. */
  push?: PushTarget;
  onEvent?: (e: JobEvent) => void;
  signal?: AbortSignal;
}

export interface RevisionResult {
  result: JobResult;
  cached: boolean;
}

/** Runs a revision; `started` is what the command began before this module loaded, if it did. */
export async function runRevision(
  o: RunRevisionOptions,
  started: RevisionStart = startRevision(o),
): Promise<RevisionResult> {
  // The YAML code loads while the git processes started above run.
  const specCode = loadSpecCode();
  void specCode.catch(() => undefined);
  try {
    const root = await started.root;
    // Chosen first: a remote manager's session opens while the spec and policy are read.
    const executor = await chooseExecutor(root, await started.selection);
    try {
      const facts = started.committed ? await started.committed : await worktreeFacts(root);
      return await runSpec(o, root, executor, facts, await specCode, started);
    } finally {
      executor.release();
    }
  } finally {
    started.release();
  }
}

/** The spec and policy parsers, with the YAML library under them: the heaviest code a run needs first. */
async function loadSpecCode() {
  const [{ parseSpec }, { auditNotice, effectivePolicy, jobDriver, readPolicyFile }] =
    await Promise.all([import('../spec/parse.js'), import('../spec/policy.js')]);
  return { parseSpec, auditNotice, effectivePolicy, jobDriver, readPolicyFile };
}

type SpecCode = Awaited<ReturnType<typeof loadSpecCode>>;

/** No spec in what is built; if the working tree holds one git does not, that is the likely cause. */
function noSpec(root: string, where: string, worktree: boolean | undefined): ContractorError {
  const uncommitted = !worktree && existsSync(join(root, SPEC_FILE));
  return new ContractorError(
    'USAGE',
    uncommitted
      ? `${where} has no ${SPEC_FILE}, but the working tree has one: commit it, or run with --worktree to build the working tree as it is`
      : `${where} has no ${SPEC_FILE}; write one with contractor init (or see examples/hello/hello.yaml)`,
  );
}

interface RevisionFacts {
  commit: string | undefined;
  tree: string;
  /** The spec as committed (or as in the working tree's snapshot), undefined when there is none. */
  file: CommittedFile | undefined;
}

// Loaded only for --worktree: simple-git, which it uses, is not needed by a run of a commit.
async function worktreeFacts(root: string): Promise<RevisionFacts> {
  const tree = await (await import('./worktree-snapshot.js')).snapshotWorktree(root);
  return { commit: undefined, tree, file: await readCommittedFile(root, tree, SPEC_REQUEST) };
}

async function runSpec(
  o: RunRevisionOptions,
  root: string,
  executor: ChosenExecutor,
  { commit, tree, file }: RevisionFacts,
  { parseSpec, auditNotice, effectivePolicy, jobDriver, readPolicyFile }: SpecCode,
  started: RevisionStart,
): Promise<RevisionResult> {
  const what = commit ?? tree;
  const where = o.worktree ? 'the working tree' : `${o.rev} (${what.slice(0, 12)})`;
  if (file === undefined) throw noSpec(root, where, o.worktree);
  const text = file.text;
  if (text === undefined) throw specTooLarge(`${SPEC_FILE} in ${where}`, file.bytes);
  const spec = parseSpec(text, SPEC_FILE);
  const policySource = o.policyFile ?? policyPath();
  const trusted = await readPolicyFile(policySource);
  const policy = effectivePolicy(spec, trusted, policySource, { audit: o.audit });
  const notice = auditNotice(policy);
  if (notice) o.onEvent?.({ type: 'status', message: notice });
  sayCutLimits(o.onEvent, cutLimits(spec, trusted, policySource));
  const driver = jobDriver(o.driver, policy);
  const git = await gitDir(root);
  const place = spec.workspace
    ? await workspaceIn(root, git, spec.workspace, trusted.workspaces)
    : undefined;
  const cache = new ResultCache(join(git, 'contractor', 'cache'));
  const imageDigest = await workerImageDigest(driver, policy.image);
  const key = cacheKey({
    workspace: placeLabel(place),
    tree,
    specDigest: createHash('sha256').update(text).digest('hex'),
    policy,
    driver,
    imageDigest: executor.where === 'local' ? imageDigest : `${executor.where}:${imageDigest}`,
    version: CONTRACTOR_VERSION,
  });
  // Audit is the local user's choice: a remote manager refuses it too, this only says so sooner.
  if (o.audit && executor.where !== 'local') throw new AuditRefused(`the remote ${executor.where}`);
  const hit = o.noCache || o.audit ? undefined : await cache.lookup(key);
  const fromCache = hit && (await cachedResult(o, root, commit, hit.result));
  if (fromCache) return fromCache;
  // A local job with no saved workspace takes the source as `git archive` writes it (started
  // already if no cache lookup could have made it unneeded); with one, the same archive follows
  // the saved workspace's own, and is started when that one has been read.
  const sourceUnderSrc =
    executor.where === 'local' && !spec.workspace ? started.startSource(root, what) : undefined;
  if (!sourceUnderSrc) started.release();
  if (o.outDir) await claimOutDir(o.outDir);
  const id = newJobId();
  const result = await executor.execute({
    id,
    spec,
    policy,
    driver,
    source: archiveCommit(root, what),
    sourceUnderSrc: sourceUnderSrc ?? archiveCommit(root, what, 'src'),
    workspaceDir: place?.dir,
    outDir: o.outDir ?? join(git, 'contractor', 'runs', id),
    commit,
    tree,
    audit: o.audit,
    origin: await localOrigin(root, o.worktree ? 'HEAD' : o.rev, o.push),
    onEvent: o.onEvent,
    signal: o.signal,
  });
  // An --audit run passed only by ignoring violations: it is neither cached nor noted on the commit.
  if (o.audit) return { result, cached: false };
  await Promise.all([
    cache.store(key, result),
    commit &&
      envelopeDigest(result)
        .then((d) => writeNote(root, commit, noteFor(result, d)))
        .catch(noteLost(o, commit)),
  ]);
  return { result, cached: false };
}

/**
 * A cached pass as this run's result, its files copied into --out when one was asked for;
 * undefined when those files are gone or changed, so the tree is built again.
 */
async function cachedResult(
  o: RunRevisionOptions,
  root: string,
  commit: string | undefined,
  first: JobResult,
): Promise<RevisionResult | undefined> {
  // The cached envelope's statement names the commit first built; another commit with the same tree gets none.
  if (!(await runFilesIntact(first))) return undefined;
  const sameCommit = first.commit === commit;
  let result: JobResult = {
    ...first,
    commit: commit ?? null,
    attestation: sameCommit ? first.attestation : null,
    cached: true,
  };
  if (o.outDir) {
    // The very directory the cached run wrote is its own output already; any other is replaced.
    if (resolve(o.outDir) !== resolve(first.outDir)) await claimOutDir(o.outDir);
    const copied = await copyCachedRun(result, o.outDir).catch(() => undefined);
    if (!copied) return undefined;
    result = copied;
  }
  const attested = sameCommit ? await envelopeDigest(first) : null;
  // The commit may already carry this very result (a push of the same commit to a new branch).
  if (commit && (await readNote(root, commit))?.id !== result.id)
    await writeNote(root, commit, noteFor(result, attested, true)).catch(noteLost(o, commit));
  return { result, cached: true };
}

/**
 * A note that git would not write costs only a later cache hit: the run's result stands, and its
 * files are in its out directory, so the reason is shown rather than thrown.
 */
function noteLost(o: RunRevisionOptions, commit: string): (e: Error) => void {
  return (e) =>
    o.onEvent?.({
      type: 'status',
      message: `the result was not recorded as a git note on ${commit.slice(0, 12)}: ${e.message}`,
    });
}

/**
 * The spec's workspace: in the work tree where the user's policy or git config approved it (a
 * real directory, and none of git's tracked files in it, since saving the workspace replaces
 * them with whatever the build left), else kept under .git/contractor/workspaces/.
 */
async function workspaceIn(
  root: string,
  git: string,
  workspace: string,
  approvedByPolicy: string[],
): Promise<WorkspacePlace> {
  const approved = [...approvedByPolicy, ...(await approvedByGitConfig(root))];
  const place = await workspacePlace({
    base: root,
    keptDir: keptWorkspacesIn(git),
    workspace,
    specFile: SPEC_FILE,
    approved,
  });
  if (!place.inTree) return place;
  const dir = place.dir;
  const tracked = (await gitOutput(root, ['ls-files', '-z', '--', relative(root, dir)]))
    .split('\0')
    .filter(Boolean);
  if (tracked.length)
    throw new ContractorError(
      'SPEC_INVALID',
      `${SPEC_FILE}: workspace ${JSON.stringify(workspace)} holds files git tracks (${tracked.slice(0, 3).join(', ')}${tracked.length > 3 ? ', …' : ''}); saving it would replace them with what the build left`,
    );
  return place;
}

/** `git config --add contractor.workspace PATH`: the user's own approval, per repository or global. */
async function approvedByGitConfig(root: string): Promise<string[]> {
  const out = await gitOutput(root, ['config', '--get-all', 'contractor.workspace']).catch(
    () => '',
  );
  return out.split('\n').filter(Boolean);
}

// The note names the envelope by digest, so a copy fetched from anywhere can be matched to this run.
async function envelopeDigest(result: JobResult): Promise<string | null> {
  if (!result.attestation) return null;
  // A cached result's run directory may have been cleaned away since; its note then names none.
  return sha256File(result.attestation).catch(() => null);
}
