// The job's egress proxy, configured from the effective policy: the allowlist in setup, and in build only when the trusted policy opens it.
import type { AuditEntry } from '../net/audit-entry.js';
import type { EgressPort } from '../net/egress-port.js';
import { EgressProxy } from '../net/egress-proxy.js';
import type { PhaseName, Violation } from '../net/violation.js';
import type { EffectivePolicy } from '../spec/policy.js';
import type { LimitName } from '../spec/types.js';

export interface EgressHooks {
  phase: () => PhaseName;
  onViolation: (v: Violation) => void;
  onAudit: (line: AuditEntry) => void;
  onLimit: (limit: LimitName) => void;
}

export interface JobEgress {
  port: EgressPort;
  close(): Promise<void>;
}

export function networkPhasesOf(policy: EffectivePolicy): Set<PhaseName> {
  const phases = new Set<PhaseName>(['setup']);
  if (policy.buildNetwork) phases.add('build');
  return phases;
}

/** Throws ContractorError-worthy AllowlistEntryError for a bad entry; effectivePolicy has already checked them. */
export function startEgress(policy: EffectivePolicy, hooks: EgressHooks, audit = false): JobEgress {
  const proxy = new EgressProxy({
    allow: policy.allow,
    ...(policy.ceilingAllow ? { ceiling: policy.ceilingAllow } : {}),
    ...(policy.specOnlyAllow ? { specOnly: policy.specOnlyAllow } : {}),
    audit,
    phase: hooks.phase,
    networkPhases: networkPhasesOf(policy),
    bandwidthBytesPerSec: policy.limits.bandwidthBytesPerSec,
    onViolation: hooks.onViolation,
    onAudit: hooks.onAudit,
    onLimit: hooks.onLimit,
  });
  return { port: proxy, close: () => proxy.close() };
}
