// Hop-by-hop headers stay on their hop; framing is restated so the origin reads exactly the body we forward.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestTarget } from './request-target.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function namedByConnection(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
}

function hostHeader(target: RequestTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return target.port === 80 ? host : `${host}:${target.port}`;
}

export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  target: RequestTarget,
): OutgoingHttpHeaders {
  const dropped = namedByConnection(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !dropped.has(name)) out[name] = value;
  }
  // ConstrainNetworkAccess: Host is the URI's host, so a build cannot reach another virtual host on an allowed IP.
  out.host = hostHeader(target);
  // A chunked body is re-chunked by node; forwarding it unframed would let it smuggle a second request.
  if (headers['transfer-encoding'] !== undefined) out['transfer-encoding'] = 'chunked';
  out.connection = 'close';
  return out;
}

/** The origin's headers as a flat raw list, minus its hop-by-hop ones; one response per client connection. */
export function downstreamHeaders(rawHeaders: string[]): string[] {
  const out: string[] = [];
  const dropped = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'connection')
      namedByConnection(rawHeaders[i + 1]).forEach((h) => dropped.add(h));
  }
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !dropped.has(lower)) out.push(name, rawHeaders[i + 1] as string);
  }
  out.push('Connection', 'close');
  return out;
}
