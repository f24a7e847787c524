// From what an audited run reached, the smallest allowlist that would have let it pass.

export interface ObservedRequest {
  host: string;
  port: number;
  phase: 'setup' | 'build';
}

/** One suggested entry and what the run asked of it. */
export interface SuggestedEntry {
  entry: string;
  requests: number;
  phases: ('setup' | 'build')[];
}

export interface Suggestion {
  /** For the trusted policy's network.allow and the spec's network.allow. */
  allow: string[];
  /** The same entries, each with its request count and phases, for the reviewer. */
  entries: SuggestedEntry[];
  /** True when the build phase itself reached the network (policy network.build). */
  buildNeedsNetwork: boolean;
}

const DEFAULT_PORTS = new Set([80, 443]);

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host` when every port it was reached on is 80 or 443, else `host:port` per port. */
function entriesFor(host: string, requests: ObservedRequest[]): SuggestedEntry[] {
  const h = bracketed(host);
  const byEntry = new Map<string, ObservedRequest[]>();
  const plain = requests.every((r) => DEFAULT_PORTS.has(r.port));
  for (const r of requests) {
    const entry = plain ? h : `${h}:${r.port}`;
    byEntry.set(entry, [...(byEntry.get(entry) ?? []), r]);
  }
  return [...byEntry.entries()].map(([entry, rs]) => ({
    entry,
    requests: rs.length,
    phases: (['setup', 'build'] as const).filter((p) => rs.some((r) => r.phase === p)),
  }));
}

const portOf = (e: string): number => Number(/:(\d+)$/.exec(e)?.[1] ?? 0);

/** Exact hosts only: widening to a wildcard is a decision for the reviewer, not for us. */
export function suggestAllowlist(requests: ObservedRequest[]): Suggestion {
  const byHost = new Map<string, ObservedRequest[]>();
  for (const r of requests) {
    const host = r.host.toLowerCase().replace(/\.$/, '');
    byHost.set(host, [...(byHost.get(host) ?? []), r]);
  }
  const entries = [...byHost.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([h, rs]) => entriesFor(h, rs).sort((a, b) => portOf(a.entry) - portOf(b.entry)));
  return {
    allow: entries.map((e) => e.entry),
    entries,
    buildNeedsNetwork: requests.some((r) => r.phase === 'build'),
  };
}
