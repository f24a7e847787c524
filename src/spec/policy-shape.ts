// Telling a trusted policy from a spec, so each checker can point at the other.
import { parse } from 'yaml';
import { loadSchema } from './schema.js';

/** True for a YAML mapping with no build: whose keys are all a policy's (network, limits, driver, ...). */
export function looksLikePolicy(text: string): boolean {
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return false;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  const policyKeys = Object.keys(
    (loadSchema('policy.schema.json').properties ?? {}) as Record<string, unknown>,
  );
  return keys.length > 0 && !keys.includes('build') && keys.every((k) => policyKeys.includes(k));
}
