// The messages between the manager and its netns holder, over the holder's IPC channel.
import type { PhaseName, Violation } from '../../net/violation.js';

/** How the build's processes are capped: joining the job's cgroups, or rlimits set by prlimit(1). */
export type Confinement =
  | { kind: 'cgroup'; procsFiles: string[] }
  | {
      kind: 'rlimit';
      cpuSeconds: number;
      addressSpaceBytes: number;
      processes: number;
      fileSizeBytes: number;
    };

export interface HolderPhase {
  name: PhaseName;
  script: string;
  /** The interpreter argv, the script's path appended; `sh -e` when absent. */
  shell?: string[];
  /** The holder's descriptors for this phase's stdout and stderr: the manager reads their other ends. */
  stdoutFd: number;
  stderrFd: number;
}

/** Manager to holder: everything the holder needs, sent once it has said hello and a job is ready. */
export interface HolderJob {
  type: 'job';
  phases: HolderPhase[];
  env: Record<string, string>;
  diskBytes: number;
  confinement: Confinement;
  /** Where the holder sizes its IPC namespace: /proc/sys/kernel, or for a test a place it cannot write. */
  ipcSysctls: string;
  /** WorkerJob.outputOnly: pack only these paths of src/, or everything when absent. */
  outputOnly?: { source: string; flags: string }[];
  /** WorkerJob.outputOnlyMax. */
  outputOnlyMax?: number;
}

/** The holder's stdout carries nothing but the workspace tar; its stderr is diagnostics. */
export const OUTPUT_TAR_FD = 1;

export type HolderMessage =
  | { type: 'hello' }
  /** Sent with the proxy's net.Server as the handle. */
  | { type: 'proxy' }
  | { type: 'phase'; phase: PhaseName; at: number }
  | {
      type: 'phase-end';
      phase: PhaseName;
      exitCode: number | null;
      durationMs: number;
      cpuMs: number;
      violations: Violation[];
    }
  | { type: 'disk-full' }
  | { type: 'done'; outputComplete: boolean }
  | { type: 'error'; message: string };

export const PROXY_PORT = 3128;
export const PROXY_URL = `http://127.0.0.1:${PROXY_PORT}`;

/** The holder's first phase descriptor: 0-2 are stdio and 3 is the IPC channel. */
export const FIRST_PHASE_FD = 4;

/** setup and build: a holder is started with descriptors for both, before it knows its job. */
export const MAX_PHASES = 2;
