// Carrying a call's streams between the build's client and the engine: bodies, chunked answers, hijacks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { engineRequest } from './engine-client.js';

/** Headers of the engine's answer the docker CLI reads; nothing else is carried back. */
const ANSWER_HEADERS = [
  'content-type',
  'content-length',
  'api-version',
  'builder-version',
  'docker-experimental',
  'ostype',
  'server',
  'cache-control',
  'pragma',
];

/** Headers of the client's request the engine needs for a streamed body (a build context). */
const REQUEST_HEADERS = ['content-type', 'content-length', 'x-registry-auth', 'x-registry-config'];

export function pickHeaders(from: IncomingMessage, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = from.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

export interface ForwardOptions {
  socketPath: string;
  path: string;
  /** The client's body is streamed to the engine as it is (a build context's tar). */
  streamBody?: boolean;
  /** Sees each chunk of the answer as it passes (to learn the id a build made). */
  onChunk?: (chunk: Buffer) => void;
  onEnd?: (status: number) => void;
  /** Headers added to the answer where the engine gives none. */
  defaultHeaders?: Record<string, string>;
}

/** Forwards one call; the answer streams back as it comes (logs, wait, build output). */
export function forward(req: IncomingMessage, res: ServerResponse, o: ForwardOptions): void {
  const headers = o.streamBody ? pickHeaders(req, REQUEST_HEADERS) : {};
  const up = engineRequest(o.socketPath, req.method ?? 'GET', o.path, headers);
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'contractor: the container engine did not answer' }));
  });
  up.on('response', (answer) => {
    const status = answer.statusCode ?? 502;
    res.writeHead(status, { ...o.defaultHeaders, ...pickHeaders(answer, ANSWER_HEADERS) });
    // wait and logs answer only when the container does something: the CLI needs the headers now.
    res.flushHeaders();
    answer.on('data', (chunk: Buffer) => {
      o.onChunk?.(chunk);
      res.write(chunk);
    });
    answer.on('end', () => {
      o.onEnd?.(status);
      res.end();
    });
    answer.on('error', () => res.destroy());
  });
  res.on('close', () => up.destroy());
  if (o.streamBody) req.pipe(up);
  else {
    req.resume();
    up.end();
  }
}

/**
 * A hijacked attach: the engine upgrades the connection to a raw stream, and so do we, then bytes
 * pass both ways untouched; each side's end (the CLI closing stdin, the container exiting) carries.
 */
export function forwardHijack(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  socketPath: string,
  path: string,
  json?: unknown,
): void {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const up = engineRequest(socketPath, 'POST', path, {
    Connection: 'Upgrade',
    Upgrade: 'tcp',
    'Content-Type': body ? 'application/json' : 'text/plain',
    ...(body ? { 'Content-Length': body.length } : {}),
  });
  up.on('upgrade', (answer, engine, engineHead) => {
    const type = answer.headers['content-type'] ?? 'application/vnd.docker.raw-stream';
    client.write(
      `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    if (engineHead.length) client.write(engineHead);
    if (head.length) engine.write(head);
    engine.pipe(client);
    client.pipe(engine);
    engine.on('error', () => client.destroy());
    client.on('error', () => engine.destroy());
    engine.on('close', () => client.end());
  });
  // The engine refused the upgrade (no such container): its answer goes back as a plain response.
  up.on('response', (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => {
      const body = Buffer.concat(chunks);
      client.end(
        `HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    });
  });
  up.on('error', () => client.destroy());
  client.on('close', () => up.destroy());
  req.resume();
  up.end(body);
}
