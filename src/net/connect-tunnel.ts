// HTTP CONNECT: check the destination, dial it, reply 200, hold the ClientHello's SNI to the CONNECT host, splice.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { bulkReader, type BulkReader } from './bulk-reader.js';
import { replyOnSocket } from './client-reply.js';
import { EgressRefusal } from './egress-errors.js';
import { readFirstFlight } from './first-flight.js';
import { normaliseHost } from './host-name.js';
import type { ProxyContext } from './proxy-context.js';
import { pump } from './pump.js';
import type { RequestLog } from './request-log.js';
import { parseConnectAuthority, type RequestTarget } from './request-target.js';
import type { ClientHelloReading } from './sni.js';

/**
 * ConstrainNetworkAccess: a ClientHello naming another server is refused, and so is one we cannot parse.
 * Bytes that are not TLS at all pass, even on port 443: the allowlist already chose the address, and
 * without TLS there is no second name to disagree with it. No SNI (as for a CONNECT to an IP) also passes.
 */
function sniRefusal(reading: ClientHelloReading, target: RequestTarget): string | undefined {
  if (reading.kind === 'malformed') return `malformed TLS ClientHello: ${reading.detail}`;
  if (reading.kind !== 'client-hello' || reading.serverName === undefined) return undefined;
  const sni = normaliseHost(reading.serverName);
  if (sni === target.host) return undefined;
  return `TLS SNI names ${sni.slice(0, 255)}, not the CONNECT host ${target.host}`;
}

/** Either side closing abnormally takes the other down; a clean end is passed on by pump as a half-close. */
function linkClose(a: Socket, b: Socket): void {
  a.once('close', () => {
    if (!b.writableEnded) b.destroy();
  });
}

async function splice(
  ctx: ProxyContext,
  log: RequestLog,
  target: RequestTarget,
  client: Socket,
  upstream: Socket,
  reads: BulkReader,
  head: Buffer,
): Promise<void> {
  const cut = (): void => {
    client.destroy();
    upstream.destroy();
  };
  let open = 2;
  const closed = (): void => {
    if (--open === 0) log.finish();
  };
  // Each direction ends on its own (pump passes FIN on), so a client may half-close and still read the reply.
  upstream.allowHalfOpen = true;
  client.once('close', closed);
  upstream.once('close', closed);
  linkClose(client, upstream);
  linkClose(upstream, client);
  client.setTimeout(ctx.idleTimeoutMs, cut);
  upstream.setTimeout(ctx.idleTimeoutMs, cut);
  const gate = ctx.gate(log, cut);
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  // The server may speak first (SSH, SMTP), so its side flows while we wait for the client's first bytes.
  pump(
    upstream,
    client,
    gate,
    (n) => (log.bytesDown += n),
    (onChunk) => reads.subscribe(upstream, onChunk),
  );
  const flight = await readFirstFlight(client, head);
  if (!flight) return cut();
  const refusal = sniRefusal(flight.reading, target);
  if (refusal) {
    await log.identify();
    log.deny(refusal);
    return cut();
  }
  client.unshift(flight.data);
  pump(client, upstream, gate, (n) => (log.bytesUp += n));
  client.resume();
}

export async function openTunnel(
  ctx: ProxyContext,
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
): Promise<void> {
  const log = ctx.open('CONNECT', client);
  let upstream: Socket;
  let target: RequestTarget;
  // The download direction, usually the heavy one, is read in large pieces.
  const reads = bulkReader(ctx.readBytes);
  try {
    target = parseConnectAuthority(req.url ?? '');
    log.host = target.host;
    log.port = target.port;
    upstream = await ctx.connect(await ctx.route(target, log), target.port, reads.onread);
  } catch (err) {
    if (!(err instanceof EgressRefusal)) throw err;
    if (err.kind === 'denied') await log.identify();
    log.refused(err);
    return replyOnSocket(client, err.status, err.message);
  }
  if (client.destroyed) {
    upstream.destroy();
    return log.finish('the client left before the tunnel opened');
  }
  return splice(ctx, log, target, client, upstream, reads, head);
}
