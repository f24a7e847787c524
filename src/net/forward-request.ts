// A plain HTTP proxy request (absolute-form URI): check the destination, dial it, relay one request and response.
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { bulkReader } from './bulk-reader.js';
import { BulkReadSocket } from './bulk-socket.js';
import { replyOnResponse } from './client-reply.js';
import { EgressRefusal } from './egress-errors.js';
import { downstreamHeaders, upstreamHeaders } from './http-headers.js';
import type { ProxyContext } from './proxy-context.js';
import { pump } from './pump.js';
import type { RequestLog } from './request-log.js';
import { parseProxyUrl } from './request-target.js';

function relay(
  ctx: ProxyContext,
  log: RequestLog,
  req: IncomingMessage,
  res: ServerResponse,
  socket: BulkReadSocket,
  path: string,
): void {
  const target = { host: log.host, port: log.port };
  const out = request({
    method: req.method,
    path,
    headers: upstreamHeaders(req.headers, target),
    setHost: false,
    // The socket is already connected to the checked address: node must not look anything up.
    createConnection: () => socket,
  });
  const cut = (): void => {
    out.destroy();
    res.destroy();
  };
  const gate = ctx.gate(log, cut);
  // A client resetting mid-body surfaces as an error on req; the 'close' below does the cleaning up.
  req.on('error', () => undefined);
  out.setTimeout(ctx.idleTimeoutMs, cut);
  pump(req, out, gate, (n) => (log.bytesUp += n));
  out.on('response', (upstream) => {
    res.writeHead(upstream.statusCode ?? 502, downstreamHeaders(upstream.rawHeaders));
    pump(upstream, res, gate, (n) => (log.bytesDown += n));
    upstream.on('error', () => res.destroy());
  });
  out.on('error', (err) => {
    log.finish(`upstream: ${err.message}`);
    replyOnResponse(res, 502, `upstream failed: ${err.message}`);
  });
  res.once('close', () => {
    out.destroy();
    log.finish(res.writableFinished ? undefined : 'closed before the response was complete');
  });
}

export async function forwardRequest(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const log = ctx.open(req.method ?? 'GET', req.socket);
  let socket: Socket;
  let path: string;
  // The response body, usually the heavy direction, is read in large pieces, as a tunnel's is.
  const reads = bulkReader(ctx.readBytes);
  try {
    const target = parseProxyUrl(req.url ?? '');
    log.host = target.host;
    log.port = target.port;
    path = target.path;
    socket = await ctx.connect(await ctx.route(target, log), target.port, reads.onread);
  } catch (err) {
    if (!(err instanceof EgressRefusal)) throw err;
    if (err.kind === 'denied') await log.identify();
    log.refused(err);
    return replyOnResponse(res, err.status, err.message);
  }
  if (req.socket.destroyed) {
    socket.destroy();
    return log.finish('the client left before the request was sent');
  }
  relay(ctx, log, req, res, new BulkReadSocket(socket, reads), path);
}
