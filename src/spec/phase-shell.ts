// The interpreter a spec's phases run under: POSIX `sh -e` unless the spec's `shell:` names another.

/** Every phase runs as `sh -e SCRIPT` by default: the first failing command fails the phase. */
export const DEFAULT_SHELL: readonly string[] = ['sh', '-e'];

/** Shells that take -e as sh does; any other interpreter (python3, node) is given the script alone. */
const POSIX_LIKE = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);

/**
 * `shell: bash` is `bash -e SCRIPT`; `shell: python3` is `python3 SCRIPT`; a list is the argv as
 * written, the script's path last. Names are looked up on the worker's PATH, not the host's.
 */
export function shellArgv(shell: string | string[] | undefined): string[] {
  if (shell === undefined) return [...DEFAULT_SHELL];
  if (Array.isArray(shell)) return [...shell];
  const name = shell.slice(shell.lastIndexOf('/') + 1);
  return POSIX_LIKE.has(name) ? [shell, '-e'] : [shell];
}
