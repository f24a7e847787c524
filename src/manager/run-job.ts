// Runs one job end to end: stage the workspace, start the egress proxy and the worker, collect, decide.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ContractorError } from '../errors.js';
import type { PhaseName, Violation } from '../net/violation.js';
import type { LimitName } from '../spec/types.js';
import type { Driver, PhaseRequest, WorkerOutcome } from '../worker/driver.js';
import { artifactPatterns, MAX_ARTIFACTS } from './artifact-patterns.js';
import type { CollectedOutput } from './collect-output.js';
import { startEgress } from './egress.js';
import { loadOnce } from './load-once.js';
import type { AuditRecord, JobRequest, JobResult, PhaseResult } from './job.js';
import { KeptRecords, MAX_AUDIT_KEPT, MAX_VIOLATIONS_KEPT } from './kept-records.js';
import { writeResultFile } from './result-file.js';
import { outputLost, type OutputExpectation } from './output-lost.js';
import { makeScratchDir, sweepScratchDirs } from './scratch-dir.js';
import { decideStatus } from './status.js';
import { describeLimit } from '../spec/limit-origin.js';
import { exitCodeForStatus } from './exit-status.js';
import { workspaceInput } from './workspace-stage.js';

function phasesOf(req: JobRequest): PhaseRequest[] {
  const shell = req.spec.shell;
  const setup: PhaseRequest[] = req.spec.setup
    ? [{ name: 'setup', script: req.spec.setup, shell }]
    : [];
  return [...setup, { name: 'build', script: req.spec.build, shell }];
}

function toPhaseResults(outcome: WorkerOutcome | undefined): PhaseResult[] {
  return (outcome?.phases ?? []).map((p) => ({
    name: p.name,
    exitCode: p.exitCode,
    durationMs: Math.round(p.durationMs),
    ...(p.cpuMs !== undefined ? { cpuMs: Math.round(p.cpuMs) } : {}),
    ...(p.maxMemoryBytes !== undefined ? { maxMemoryBytes: p.maxMemoryBytes } : {}),
  }));
}

function expectedOutput(req: JobRequest): OutputExpectation {
  return {
    phases: phasesOf(req).length,
    patterns: req.spec.artifacts,
    workspace: Boolean(req.workspaceDir),
  };
}

export async function runJob(req: JobRequest, driver: Driver): Promise<JobResult> {
  // Only the vm driver starts the container engine and its filter: never build without them.
  if (req.policy.containers && driver.name !== 'vm')
    throw new ContractorError(
      'POLICY',
      `containers: true needs the vm driver, which starts the filtered container engine ` +
        `(docs/containers.md); this job has the ${driver.name} driver: set driver: vm or remove containers:`,
    );
  const started = new Date();
  await mkdir(req.outDir, { recursive: true });
  const logPath = join(req.outDir, 'log.txt');
  const log = createWriteStream(logPath);
  const work = await makeScratchDir(req.id);
  // Beside the job, never before it: what a killed run left is removed by the next one.
  void sweepScratchDirs();
  const violations = new KeptRecords<Violation>(MAX_VIOLATIONS_KEPT);
  const network = new KeptRecords<AuditRecord>(MAX_AUDIT_KEPT);
  let phase: PhaseName = 'setup';
  let limit: LimitName | undefined;
  let error: string | undefined;
  let outcome: WorkerOutcome | undefined;
  let collected: CollectedOutput = { artifacts: [], unmatched: [], refused: [] };
  let lostArtifacts: string[] = [];
  const emitViolation = (v: Violation): void => {
    if (violations.add(v)) req.onEvent?.({ type: 'violation', violation: v });
    else if (violations.omitted === 1)
      req.onEvent?.({
        type: 'status',
        message: `more than ${violations.max} violations: the rest are counted, not kept`,
      });
  };
  // Compiled once: the driver packs, and the host keeps and collects, by the same expressions.
  const artifacts = artifactPatterns(req.spec.artifacts);
  // Loaded once a phase has started, while the build runs: beside the worker's start it slowed
  // the start more than it saved.
  const loadCollector = loadOnce(() => import('./collect-output.js'));
  const egress = startEgress(
    req.policy,
    {
      phase: () => phase,
      onViolation: emitViolation,
      onAudit: (a) => network.add(a),
      onLimit: (l) => (limit ??= l),
    },
    req.audit,
  );
  try {
    const input = await workspaceInput(join(work, 'stage'), req, req.workspaceDir);
    outcome = await driver.run({
      id: req.id,
      input,
      outputTar: join(work, 'out.tar'),
      // With no workspace to save, only the artifacts come back.
      // One more than the host keeps, so that it sees there were too many.
      ...(req.workspaceDir
        ? {}
        : { outputOnly: artifacts.map((p) => p.re), outputOnlyMax: MAX_ARTIFACTS + 1 }),
      phases: phasesOf(req),
      env: req.spec.env,
      limits: req.policy.limits,
      workerImage: req.policy.image,
      egress: egress.port,
      ...(req.policy.containers ? { containers: true } : {}),
      ...(req.policy.insecureRegistries
        ? { insecureRegistries: req.policy.insecureRegistries }
        : {}),
      signal: req.signal,
      onEvent: (e) => {
        if (e.type === 'phase') ((phase = e.phase), loadCollector());
        if (e.type === 'output') log.write(e.chunk);
        req.onEvent?.(e);
      },
    });
    limit ??= outcome.limit;
    outcome.violations.forEach(emitViolation);
    if (outcome.cancelled) error = 'the job was cancelled';
    if (outcome.outputComplete) {
      const { collectOutput } = await loadCollector();
      collected = await collectOutput(req, artifacts, work, emitViolation, (l) => (limit ??= l));
    }
    // Never a pass with its artifacts silently missing: an output lost for no reported cause is named.
    const lost = limit ? undefined : outputLost(outcome, expectedOutput(req));
    if (lost) ((error ??= lost.message), (lostArtifacts = lost.lost));
  } catch (err) {
    error = (err as Error).message;
  } finally {
    await Promise.all([
      egress.close(),
      new Promise((resolve) => log.end(resolve)),
      rm(work, { recursive: true, force: true }),
    ]);
  }
  const phases = toPhaseResults(outcome);
  const decide = () =>
    decideStatus({
      error,
      limit,
      ...(limit ? { limitSaid: describeLimit(limit, req.spec, req.policy) } : {}),
      violations: violations.total,
      audit: req.audit,
      phases,
      unmatchedArtifacts: collected.unmatched,
      ...(collected.overflow ? { artifactOverflow: collected.overflow } : {}),
    });
  let { status, summary } = decide();
  if (collected.staged)
    try {
      const { keepWorkspace } = await loadCollector();
      await keepWorkspace(req, collected.staged, status === 'passed');
    } catch (err) {
      error = `the workspace could not be saved: ${(err as Error).message}`;
      ({ status, summary } = decide());
    }
  const finished = new Date();
  const result: JobResult = {
    id: req.id,
    status,
    exitCode: exitCodeForStatus(status),
    summary,
    commit: req.commit ?? null,
    tree: req.tree ?? null,
    driver: req.driver,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    phases,
    ...(limit ? { limit } : {}),
    ...(outcome?.unenforced?.length ? { unenforced: outcome.unenforced } : {}),
    violations: violations.kept,
    artifacts: collected.artifacts,
    ...(lostArtifacts.length ? { lostArtifacts } : {}),
    outDir: req.outDir,
    log: logPath,
    network: network.kept,
    ...(violations.omitted || network.omitted
      ? { omitted: { violations: violations.omitted, network: network.omitted } }
      : {}),
    policy: {
      source: req.policy.source,
      allow: req.policy.allow,
      buildNetwork: req.policy.buildNetwork,
      limits: { ...req.policy.limits },
    },
    attestation: null,
  };
  return sealAndWrite(req, result);
}

/** result.json written once, sealed; a seal that fails still leaves the unsealed result written. */
async function sealAndWrite(req: JobRequest, result: JobResult): Promise<JobResult> {
  let sealed = result;
  try {
    if (req.seal) sealed = await req.seal(result);
  } finally {
    await writeResultFile(sealed);
  }
  return sealed;
}
