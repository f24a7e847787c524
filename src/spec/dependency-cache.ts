// `cache: [npm, pip, cargo, go]`: the usual dependency caches kept in /workspace, by the variables
// each tool reads, so a spec with a `workspace:` carries them from one build to the next.

export const CACHE_KINDS = ['npm', 'pip', 'cargo', 'go'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

/** Beside src/ in /workspace, which the workspace saves whole but for src/. */
const ROOT = '/workspace/.cache';

const CACHE_ENV: Record<CacheKind, Record<string, string>> = {
  npm: { npm_config_cache: `${ROOT}/npm` },
  pip: { PIP_CACHE_DIR: `${ROOT}/pip` },
  cargo: { CARGO_HOME: `${ROOT}/cargo` },
  go: { GOMODCACHE: `${ROOT}/go/mod`, GOCACHE: `${ROOT}/go/build` },
};

/** The variables for the caches asked for; the spec's own env, applied after, wins. */
export function cacheEnv(kinds: readonly CacheKind[]): Record<string, string> {
  return Object.assign({}, ...kinds.map((k) => CACHE_ENV[k])) as Record<string, string>;
}
