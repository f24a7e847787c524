// The audit line for one request, emitted exactly once: at refusal, or at close with its byte counts.
import type { AuditEntry } from './audit-entry.js';
import type { OwnerLookup } from './egress-port.js';
import type { EgressRefusal } from './egress-errors.js';
import type { PhaseName, Violation } from './violation.js';

export interface RequestLogSink {
  onAudit: (line: AuditEntry) => void;
  onViolation: (v: Violation) => void;
}

export class RequestLog {
  host = '';
  port = 0;
  bytesUp = 0;
  bytesDown = 0;
  private written = false;
  private audited: string | undefined;
  private owner: string | undefined;
  private readonly time = new Date().toISOString();

  constructor(
    private readonly sink: RequestLogSink,
    readonly method: string,
    readonly phase: PhaseName,
    private readonly lookupOwner?: OwnerLookup,
  ) {}

  /** Finds the process behind the request while its client still waits for the answer. */
  async identify(): Promise<void> {
    this.owner ??= await this.lookupOwner?.().catch(() => undefined);
  }

  private violation(phase: PhaseName, detail: string): Violation {
    const by = this.owner ? { process: this.owner } : {};
    const made = this.owner ? ` (made by ${this.owner})` : '';
    return {
      kind: 'network',
      phase,
      host: this.host,
      port: this.port,
      detail: `${detail}${made}`,
      ...by,
    };
  }

  /** Denied by policy: an audit line and a violation (in `phase`, when it came later), whatever was carried so far. */
  deny(reason: string, phase: PhaseName = this.phase): void {
    if (this.write('deny', reason)) this.sink.onViolation(this.violation(phase, reason));
  }

  /**
   * --audit: a request that would have been denied is carried instead, and recorded as the
   * violation it would have been, so one run names every host the build needs.
   */
  letThrough(reason: string, phase: PhaseName = this.phase): void {
    if (this.written || this.audited) return;
    this.audited = `--audit let through what would have been refused: ${reason}`;
    this.sink.onViolation(this.violation(phase, `${reason} (let through by --audit)`));
  }

  /** The request is over; `reason` says why it ended early, if it did. */
  finish(reason?: string): void {
    this.write('allow', [this.audited, reason].filter(Boolean).join('; ') || undefined);
  }

  refused(err: EgressRefusal): void {
    if (err.kind === 'denied') this.deny(err.message);
    else if (err.kind === 'exhausted') this.write('deny', err.message);
    else if (err.kind === 'upstream') this.finish(err.message);
  }

  private write(decision: 'allow' | 'deny', reason: string | undefined): boolean {
    if (this.written) return false;
    this.written = true;
    const { time, phase, method, host, port, bytesUp, bytesDown } = this;
    this.sink.onAudit({
      time,
      phase,
      method,
      host,
      port,
      decision,
      ...(reason ? { reason } : {}),
      bytesUp,
      bytesDown,
    });
    return true;
  }
}
