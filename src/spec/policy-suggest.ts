// From what an audited run reached, the smallest allowlist that would have let it pass.

export interface ObservedRequest {
  host: string;
  port: number;
  phase: 'setup' | 'build';
}

export interface Suggestion {
  /** For the trusted policy's network.allow and the spec's network.allow. */
  allow: string[];
  /** True when the build phase itself reached the network (policy network.build). */
  buildNeedsNetwork: boolean;
}

const DEFAULT_PORTS = new Set([80, 443]);

function entryFor(host: string, ports: Set<number>): string[] {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  if ([...ports].every((p) => DEFAULT_PORTS.has(p))) return [h];
  return [...ports].sort((a, b) => a - b).map((p) => `${h}:${p}`);
}

/** Exact hosts only: widening to a wildcard is a decision for the reviewer, not for us. */
export function suggestAllowlist(requests: ObservedRequest[]): Suggestion {
  const ports = new Map<string, Set<number>>();
  for (const r of requests) {
    const host = r.host.toLowerCase().replace(/\.$/, '');
    const set = ports.get(host) ?? new Set<number>();
    set.add(r.port);
    ports.set(host, set);
  }
  const allow = [...ports.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([h, p]) => entryFor(h, p));
  return { allow, buildNeedsNetwork: requests.some((r) => r.phase === 'build') };
}
