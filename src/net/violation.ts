// A denied attempt by the build: what it tried, in which phase, and against what.

export type ViolationKind = 'network' | 'dns' | 'filesystem' | 'process';
export type PhaseName = 'setup' | 'build';

export interface Violation {
  kind: ViolationKind;
  phase: PhaseName;
  host?: string;
  port?: number;
  detail: string;
}
