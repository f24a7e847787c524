// The shapes a Docker API body arrives in, read without trusting them.

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the docker CLI sends for a flag not given: null, false, 0, '', and lists or maps of those. */
export function isUnset(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.every(isUnset);
  if (isObject(v)) return Object.values(v).every(isUnset);
  return false;
}

export const stringList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
