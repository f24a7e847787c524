// Reads runsc's strace log (connect, sendto, sendmsg) into violations: the sentry, not the build, wrote it.
import type { PhaseName, Violation } from '../../net/violation.js';

const LINE =
  /\bX (connect|sendto|sendmsg)\(.*?\{Family: (AF_INET6?), Addr: ([0-9a-fA-F.:]+), Port: (\d+)\}(?:.*?errno=(\d+) \(([^)]*)\))?/;

function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.');
}

/** Ports inside the sandbox the build may use freely: its own loopback servers and the proxy relay. */
export function violationFromStraceLine(line: string, phase: PhaseName): Violation | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, call, , host = '', portText = '0', , reason] = m;
  const port = Number(portText);
  if (port === 53) {
    return { kind: 'dns', phase, host, port, detail: `direct DNS query (${call}) to ${host}:53` };
  }
  if (isLoopback(host) || host === '0.0.0.0' || host === '::') return undefined;
  const why = reason ? `: ${reason}` : '';
  return { kind: 'network', phase, host, port, detail: `direct ${call} to ${host}:${port}${why}` };
}

/** One violation per phase, kind, host and port: a retry loop is one attempt, not thousands. */
export function violationsFromStrace(segments: { phase: PhaseName; text: string }[]): Violation[] {
  const seen = new Map<string, Violation>();
  for (const { phase, text } of segments) {
    for (const line of text.split('\n')) {
      const v = violationFromStraceLine(line, phase);
      const key = v && `${v.phase} ${v.kind} ${v.host} ${v.port}`;
      if (v && key && !seen.has(key)) seen.set(key, v);
    }
  }
  return [...seen.values()];
}
