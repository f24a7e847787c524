// Audit is the local user's choice for code they trust: a shared builder never carries a build past its allowlist.
import { ContractorError } from '../errors.js';
import type { JobExecutor } from './executor.js';

export class AuditRefused extends ContractorError {
  constructor(who: string) {
    super(
      'POLICY',
      `${who} does not run --audit jobs: an audit lets the build reach hosts off the allowlist, ` +
        'which only a user building on their own machine may choose; run it locally (--manager local), or drop --audit',
    );
    this.name = 'AuditRefused';
  }
}

/** ConstrainNetworkAccess: an executor for others' builds (the App) that refuses every --audit job. */
export function refusingAudit(execute: JobExecutor, who: string): JobExecutor {
  return async (req) => {
    if (req.audit) throw new AuditRefused(who);
    return execute(req);
  };
}
