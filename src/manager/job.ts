// A job as the manager runs it, and the result document it produces (schemas/result.schema.json).
import type { Readable } from 'node:stream';
import type { SourceOrigin } from '../attest/source-origin.js';
import type { PhaseName, Violation } from '../net/violation.js';
import type { EffectivePolicy } from '../spec/policy.js';
import type { DriverName, LimitName, Spec } from '../spec/types.js';
import type { UnenforcedLimit, WorkerEvent } from '../worker/driver.js';

export type RunStatus = 'passed' | 'failed' | 'violation' | 'limit' | 'error';

/** The source to send on or stage: under src/ where the producer offers it so. */
export function sourceOf(req: Pick<JobRequest, 'source' | 'sourceUnderSrc'>): () => Readable {
  const source = req.sourceUnderSrc ?? req.source;
  if (!source) throw new Error('the job request has no source');
  return source;
}

export interface JobRequest {
  id: string;
  spec: Spec;
  policy: EffectivePolicy;
  driver: DriverName;
  /**
   * A tar stream of the source tree to build (git archive, or a snapshot of a directory). A job
   * has this, sourceUnderSrc, or both (see sourceOf).
   */
  source?: () => Readable;
  /**
   * The same tree with every entry under src/, offered by producers that can write it that way
   * (git archive --prefix, tar --transform): it is the worker's input as it is, never staged on
   * the host, and what a remote manager is sent.
   */
  sourceUnderSrc?: () => Readable;
  /** The host directory the spec's `workspace` names, restored before and saved after the build. */
  workspaceDir?: string;
  outDir: string;
  commit?: string;
  tree?: string;
  /** Report violations without failing the build; such a run is never signed. */
  audit: boolean;
  /**
   * The repository, ref, event and trust of the source, from the trusted side (the user's git
   * config, the App's webhook): what a signature names. A job without one is not signed.
   */
  origin?: SourceOrigin;
  onEvent?: (e: JobEvent) => void;
  signal?: AbortSignal;
  /**
   * What the result goes through before its result.json is written (signing), so that file is
   * written once. An executor that cannot apply it leaves it to its caller.
   */
  seal?: (result: JobResult) => Promise<JobResult>;
}

export type JobEvent =
  WorkerEvent | { type: 'violation'; violation: Violation } | { type: 'status'; message: string };

export interface PhaseResult {
  name: PhaseName;
  exitCode: number | null;
  durationMs: number;
  cpuMs?: number;
  maxMemoryBytes?: number;
}

export interface Artifact {
  path: string;
  size: number;
  sha256: string;
}

export interface AuditRecord {
  time: string;
  phase: PhaseName;
  method: string;
  host: string;
  port: number;
  decision: 'allow' | 'deny';
  reason?: string;
  bytesUp: number;
  bytesDown: number;
}

export interface JobResult {
  id: string;
  status: RunStatus;
  exitCode: number;
  /** One line saying why, for the terminal and the check run. */
  summary: string;
  commit: string | null;
  tree: string | null;
  driver: DriverName;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  phases: PhaseResult[];
  limit?: LimitName;
  /** Limits the worker held only per process (no cgroups): the result says so, it does not pass silently. */
  unenforced?: UnenforcedLimit[];
  violations: Violation[];
  artifacts: Artifact[];
  /** Artifact patterns whose files the worker did not return (its output was lost): status is error. */
  lostArtifacts?: string[];
  outDir: string;
  log: string;
  network: AuditRecord[];
  /** Violations and audit lines past what a job keeps (kept-records.ts): counted, not listed. */
  omitted?: { violations: number; network: number };
  policy: {
    source: string;
    allow: string[];
    buildNetwork: boolean;
    limits: Record<string, number>;
  };
  attestation: string | null;
  /** Returned from the result cache: this tree passed before under the same key, and was not built again. */
  cached?: boolean;
  /** The remote manager that built it (the client's name for it), and any lost mid-run before it. */
  manager?: BuiltBy;
}

export interface BuiltBy {
  name: string;
  lost: string[];
}
