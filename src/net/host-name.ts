// Host names as the allowlist and the proxy compare them: lower case, no trailing dot, DNS syntax only.

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

export function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** True for a normalised name made of DNS labels; rejects empty labels, spaces, `%`, `@` and the like. */
export function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => LABEL.test(label));
}
