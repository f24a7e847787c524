// The egress layer's errors: a bad allowlist entry is the spec author's to fix; a refusal is the build's doing.
import { ContractorError } from '../errors.js';

export class AllowlistEntryError extends ContractorError {
  readonly entry: string;

  constructor(entry: string, problem: string) {
    super(
      'POLICY',
      `network allowlist entry ${JSON.stringify(entry)} ${problem}; ` +
        'write host, host:port, *.suffix, *.suffix:port, an IPv4 address or [IPv6]:port',
    );
    this.name = 'AllowlistEntryError';
    this.entry = entry;
  }
}

/**
 * Why the proxy will not carry a request. `denied` is a policy violation; `exhausted` is one of the
 * job's caps (its bytes, reported as a limit; its open connections), not a violation; `upstream` is
 * the far side failing; `malformed` names no destination at all.
 */
export type RefusalKind = 'malformed' | 'denied' | 'exhausted' | 'upstream';

const STATUS: Record<RefusalKind, 400 | 403 | 502> = {
  malformed: 400,
  denied: 403,
  exhausted: 403,
  upstream: 502,
};

export class EgressRefusal extends Error {
  readonly kind: RefusalKind;

  constructor(kind: RefusalKind, reason: string, options?: { cause?: unknown }) {
    // The reason goes back to the client as one line, so it must not be able to split the response.
    super(reason.replace(/[\r\n]+/g, ' '), options);
    this.name = 'EgressRefusal';
    this.kind = kind;
  }

  get status(): 400 | 403 | 502 {
    return STATUS[this.kind];
  }
}
