// The typed spec the core sees; raw YAML never goes past spec/.

export type DriverName = 'namespace' | 'gvisor' | 'vm';
export const DRIVER_NAMES: readonly DriverName[] = ['namespace', 'gvisor', 'vm'];

/** Resource limits in base units: milliseconds, bytes, bytes per second. */
export interface Limits {
  wallMs: number;
  cpuMs: number;
  memoryBytes: number;
  processes: number;
  diskBytes: number;
  logBytes: number;
  bandwidthBytesPerSec: number;
}

export type LimitName = 'wall' | 'cpu' | 'memory' | 'processes' | 'disk' | 'log' | 'bandwidth';

export interface Spec {
  /** The file it came from, for messages. */
  file: string;
  /** The document as parsed, for `contractor dump`. */
  raw: Record<string, unknown>;
  workerImage?: string;
  ansible?: unknown[];
  source?: string;
  workspace?: string;
  setup?: string;
  build: string;
  driver?: DriverName;
  /** The build asks for a filtered Docker-compatible API in its worker. */
  containers?: boolean;
  allow: string[];
  limits: Partial<Limits>;
  artifacts: string[];
  env: Record<string, string>;
  /** The interpreter argv each phase's script path is appended to (default `sh -e`). */
  shell: string[];
}
