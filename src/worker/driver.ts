// The worker contract: one interface every isolation tier implements and one conformance suite tests.
import type { Readable } from 'node:stream';
import type { EgressPort } from '../net/egress-port.js';
import type { PhaseName, Violation } from '../net/violation.js';
import type { DriverName, LimitName, Limits } from '../spec/types.js';

export interface PhaseRequest {
  name: PhaseName;
  script: string;
  /** The interpreter argv the script's path is appended to; `sh -e` when absent. */
  shell?: string[];
}

export type WorkerEvent =
  | { type: 'phase'; phase: PhaseName; at: number }
  | { type: 'output'; phase: PhaseName | 'worker'; stream: 'stdout' | 'stderr'; chunk: Buffer };

export interface WorkerJob {
  id: string;
  /** A tar stream of what /workspace starts with: src/ plus any restored workspace. */
  input: () => Readable;
  /** Where the driver writes the tar of /workspace after the last phase (untrusted: sanitised by the caller). */
  outputTar: string;
  /**
   * Set when the caller keeps only the artifacts: regular expressions over paths relative to
   * /workspace/src. A driver may then pack just the matching entries; packing all stays correct.
   */
  outputOnly?: { source: string; flags: string }[];
  /** With outputOnly: the caller takes no more than this many files, so none past it need packing. */
  outputOnlyMax?: number;
  phases: PhaseRequest[];
  /** The spec's env; the driver adds only PATH, HOME, LANG and the proxy variables. */
  env: Record<string, string>;
  limits: Limits;
  /** The worker image's name (one the trusted policy lists), for drivers that boot an image of their own (vm). */
  workerImage?: string;
  egress: EgressPort;
  /** The effective policy's `containers`: the build gets the filtered engine (vm only, docs/containers.md). */
  containers?: boolean;
  /** With containers: registries the engine may pull from over plain HTTP (the trusted policy's). */
  insecureRegistries?: string[];
  /** Called on the manager's side of the boundary for every phase change and output chunk. */
  onEvent: (e: WorkerEvent) => void;
  signal?: AbortSignal;
}

export interface PhaseOutcome {
  name: PhaseName;
  /** null when the phase did not run or was killed. */
  exitCode: number | null;
  startedAt: number;
  durationMs: number;
  cpuMs?: number;
  maxMemoryBytes?: number;
}

/** A limit a worker holds only per process, not for the job as a whole: said plainly, never passed silently. */
export interface UnenforcedLimit {
  limit: LimitName;
  detail: string;
}

export interface WorkerOutcome {
  phases: PhaseOutcome[];
  /** The limit that ended the job, if one did. */
  limit?: LimitName;
  /** Direct attempts the trap recorded (raw IP connects, DNS queries, other ports), and other denials. */
  violations: Violation[];
  /** True when the workspace tar was written completely. */
  outputComplete: boolean;
  /** Why the workspace tar is incomplete, when the driver knows: the caller names it, never drops it. */
  outputProblem?: string;
  cancelled?: boolean;
  /** Limits this worker could not hold for the whole job (the namespace tier without cgroups). */
  unenforced?: UnenforcedLimit[];
}

export interface DriverProbe {
  driver: DriverName;
  ok: boolean;
  /** What works or why not, and what to install. */
  detail: string;
}

export interface Driver {
  readonly name: DriverName;
  probe(): Promise<DriverProbe>;
  /** Runs the phases in one fresh worker and tears it down; never leaves a process behind. */
  run(job: WorkerJob): Promise<WorkerOutcome>;
}
