// Parses what git writes on a pre-push hook's standard input into typed updates.
import { ContractorError } from '../errors.js';

export interface PrePushUpdate {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

const ZERO = /^0+$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function isDeletion(u: PrePushUpdate): boolean {
  return ZERO.test(u.localSha);
}

export function parsePrePushInput(text: string): PrePushUpdate[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const parts = line.split(/\s+/);
      const [localRef, localSha, remoteRef, remoteSha] = parts;
      if (
        parts.length !== 4 ||
        !localRef ||
        !remoteRef ||
        !SHA.test(localSha ?? '') ||
        !SHA.test(remoteSha ?? '')
      )
        throw new ContractorError(
          'USAGE',
          `pre-push input line ${i + 1} is not "<local ref> <sha> <remote ref> <sha>": ${line}`,
        );
      return { localRef, localSha: localSha as string, remoteRef, remoteSha: remoteSha as string };
    });
}
