// One line of the job's network log: what the build asked for and what the proxy did about it.
import type { PhaseName } from './violation.js';

export interface AuditEntry {
  /** ISO 8601, when the request arrived. */
  time: string;
  phase: PhaseName;
  /** CONNECT, or the method of a plain HTTP request. */
  method: string;
  host: string;
  port: number;
  decision: 'allow' | 'deny';
  reason?: string;
  bytesUp: number;
  bytesDown: number;
}
