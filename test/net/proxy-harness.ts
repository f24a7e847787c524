// Real loopback servers and a proxy wired to spies, for the egress proxy's end-to-end tests.
import {
  createServer as createHttp,
  request,
  type IncomingHttpHeaders,
  type Server as HttpServer,
} from 'node:http';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import {
  connect,
  createServer as createTcp,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import type { AuditEntry } from '../../src/net/audit-entry.js';
import { EgressProxy, type EgressProxyOptions } from '../../src/net/egress-proxy.js';
import type { Violation } from '../../src/net/violation.js';
import { selfSignedCert, type TlsMaterial } from '../helpers/self-signed-cert.js';

export { selfSignedCert, type TlsMaterial };

/** A TEST-NET-2 address: the harness dials it on loopback, and were that to fail it routes nowhere. */
export const PUBLIC_LOOKING = '198.51.100.7';
const LOOPBACK = new Set(['127.0.0.1', '::1']);
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

export async function listening<T extends HttpServer | HttpsServer | TcpServer>(
  server: T,
  host = '127.0.0.1',
): Promise<T & { port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

export function closeServer(server: TcpServer | HttpServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Streams `n` bytes with backpressure. */
function sendBytes(res: NodeJS.WritableStream, n: number): void {
  let left = n;
  const more = (): void => {
    while (left > 0) {
      const chunk = CHUNK.subarray(0, Math.min(left, CHUNK.length));
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
}

/** `/bytes/N` streams N bytes; anything else echoes what the origin saw as JSON. */
export function originHandler(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
): void {
  const bytes = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  if (bytes) {
    res.writeHead(200, { 'content-length': bytes[1] });
    return sendBytes(res, Number(bytes[1]));
  }
  let body = 0;
  req.on('data', (c: Buffer) => (body += c.length));
  req.on('end', () =>
    res.end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers, body })),
  );
}

export async function startOrigin(host = '127.0.0.1'): Promise<HttpServer & { port: number }> {
  return listening(createHttp(originHandler), host);
}

export async function startTlsOrigin(tls: TlsMaterial): Promise<HttpsServer & { port: number }> {
  return listening(createHttps({ key: tls.key, cert: tls.cert }, originHandler));
}

export interface Harness {
  proxy: EgressProxy;
  port: number;
  audits: AuditEntry[];
  violations: Violation[];
  limits: string[];
  resolved: string[];
  /** Every outbound connection the proxy attempted: [address, port, socket]. */
  dialled: { address: string; port: number; socket: Socket }[];
  phase: { current: 'setup' | 'build' };
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<EgressProxyOptions> {
  /** The injected resolver's answers; a name not here fails to resolve. */
  dns?: Record<string, string[]>;
  /** Where a dial to a non-loopback address really goes, keyed by "address:port". */
  redirect?: Record<string, number>;
}

export async function startProxy(o: HarnessOptions = {}): Promise<Harness> {
  const h = {
    audits: [],
    violations: [],
    limits: [],
    resolved: [],
    dialled: [],
    phase: { current: 'setup' },
  } as unknown as Harness;
  const { dns = {}, redirect = {}, ...rest } = o;
  const proxy = new EgressProxy({
    allow: [],
    phase: () => h.phase.current,
    networkPhases: new Set(['setup']),
    resolve: async (host) => {
      h.resolved.push(host);
      const found = dns[host];
      if (!found) throw new Error(`ENOTFOUND ${host}`);
      return found;
    },
    onAudit: (a) => h.audits.push(a),
    onViolation: (v) => h.violations.push(v),
    onLimit: (l) => h.limits.push(l),
    // The network rule: only loopback is ever dialled; anything else must be redirected there or fail.
    dial: (address, port, onread) => {
      const target = LOOPBACK.has(address)
        ? { host: address, port }
        : { host: '127.0.0.1', port: redirect[`${address}:${port}`] ?? 1 };
      const socket = connect({ ...target, ...(onread ? { onread } : {}) });
      h.dialled.push({ address, port, socket });
      return socket;
    },
    ...rest,
  });
  const addr = await proxy.listen();
  return Object.assign(h, { proxy, port: addr.port, close: () => proxy.close() });
}

export interface ProxyReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A plain HTTP proxy request: absolute-form URI sent to the proxy. */
export function proxyRequest(
  proxyPort: number,
  url: string,
  init: { method?: string; body?: Buffer; headers?: Record<string, string> } = {},
): Promise<ProxyReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        method: init.method ?? 'GET',
        path: url,
        headers: init.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface Tunnel {
  status: number;
  /** The status line and headers, and for a refusal the body too. */
  head: string;
  socket: Socket;
}

/** Sends CONNECT and reads the proxy's reply head; the socket is left at the start of the tunnel. */
export function openConnect(proxyPort: number, authority: string): Promise<Tunnel> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort, '127.0.0.1');
    let got = Buffer.alloc(0);
    socket.on('error', reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got.toString('latin1'))?.[1] ?? 0);
      if (status === 200) {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.pause();
        if (got.length > end + 4) socket.unshift(got.subarray(end + 4));
        resolve({ status, head: got.toString('latin1', 0, end), socket });
      }
    };
    const onEnd = (): void => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got.toString('latin1'))?.[1] ?? 0);
      resolve({ status, head: got.toString('latin1'), socket });
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}

/**
 * Resolves when the socket has closed (either way), or rejects after `ms`. Callers give a bound
 * far past the timer they test (a 200 ms idle timeout, say), so load alone never reaches it.
 */
export function closedWithin(socket: Socket, ms: number): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume();
  });
}

/** Reads everything until the peer closes. */
export function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Buffer.concat(chunks)));
    socket.resume();
  });
}

// Generous: it returns as soon as the condition holds, and a busy machine only delays that.
export function waitFor(check: () => boolean, ms = 30_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) return resolve();
      if (Date.now() - started > ms) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}
