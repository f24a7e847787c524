// A denied attempt by the build: what it tried, in which phase, and against what.

export type ViolationKind = 'network' | 'dns' | 'filesystem' | 'process' | 'output' | 'container';
export type PhaseName = 'setup' | 'build';

export interface Violation {
  kind: ViolationKind;
  phase: PhaseName;
  host?: string;
  port?: number;
  detail: string;
  /** The build's process that made the request, where the tier can know it (pid and command line). */
  process?: string;
}

/** `host:port`, `host` without a port, or '' for an attempt with no destination. */
export function destinationOf(v: Pick<Violation, 'host' | 'port'>): string {
  return `${v.host ?? ''}${v.port ? `:${v.port}` : ''}`;
}
