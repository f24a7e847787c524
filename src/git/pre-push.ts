// The pre-push gate: build each pushed tip; refuse the push on failure, violation or limit.
import { ContractorError } from '../errors.js';
import type { JobEvent, JobResult } from '../manager/job.js';
import { isGatedRef } from './gated-ref.js';
import { isDeletion, type PrePushUpdate } from './pre-push-input.js';
import { gitConfig, repositoryRoot } from './repository.js';
import { runRevision } from './run-revision.js';

export type PrePushMode = 'block' | 'warn' | 'off';

export interface PrePushVerdict {
  update: PrePushUpdate;
  result: JobResult;
  cached: boolean;
}

export async function prePushMode(cwd: string): Promise<PrePushMode> {
  const root = await repositoryRoot(cwd);
  const value = (await gitConfig(root, 'contractor.prePush')) || 'block';
  if (value !== 'block' && value !== 'warn' && value !== 'off')
    throw new ContractorError(
      'USAGE',
      `git config contractor.prePush is "${value}"; use block, warn or off`,
    );
  return value;
}

export async function checkPush(
  cwd: string,
  updates: PrePushUpdate[],
  onEvent?: (u: PrePushUpdate, e: JobEvent) => void,
  signal?: AbortSignal,
  /** The remote URL git passed the hook: the repository the provenance names. */
  url?: string,
): Promise<PrePushVerdict[]> {
  const verdicts: PrePushVerdict[] = [];
  const seen = new Map<string, PrePushVerdict>();
  const tags = /^(true|yes|on|1)$/i.test(await gitConfig(cwd, 'contractor.prePushTags'));
  for (const update of updates) {
    if (isDeletion(update) || !isGatedRef(update, tags)) continue;
    const earlier = seen.get(update.localSha);
    if (earlier) {
      verdicts.push({ ...earlier, update });
      continue;
    }
    const { result, cached } = await runRevision({
      cwd,
      rev: update.localSha,
      audit: false,
      push: { ...(url ? { url } : {}), remoteRef: update.remoteRef },
      onEvent: onEvent && ((e) => onEvent(update, e)),
      signal,
    });
    const verdict = { update, result, cached };
    seen.set(update.localSha, verdict);
    verdicts.push(verdict);
  }
  return verdicts;
}
