// The per-job egress proxy: the only way out of the sandbox, carrying HTTP CONNECT and plain HTTP for allowed hosts.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { lookup } from 'node:dns/promises';
import {
  createServer,
  type AddressInfo,
  type OnReadOpts,
  type Server,
  type Socket,
} from 'node:net';
import type { AuditEntry } from './audit-entry.js';
import { Allowlist } from './allowlist.js';
import { replyOnSocket } from './client-reply.js';
import { openTunnel } from './connect-tunnel.js';
import { dialFirst, dialTcp, type Dialler } from './dial.js';
import type { EgressPort, OwnerLookup } from './egress-port.js';
import { EgressRefusal } from './egress-errors.js';
import { forwardRequest } from './forward-request.js';
import { JobMeter } from './job-meter.js';
import type { ProxyContext } from './proxy-context.js';
import type { ChunkGate } from './pump.js';
import { RequestLog } from './request-log.js';
import type { RequestTarget } from './request-target.js';
import { routeFor, type Resolver } from './route.js';
import { ceilingAllowlist, policyHint, specHint } from './spec-hint.js';
import type { PhaseName, Violation } from './violation.js';

export interface EgressProxyOptions {
  /** Allowlist entries: host, host:port, *.suffix[:port], IPv4, [IPv6][:port]. */
  allow: string[];
  /** The job's current phase, read for every request and every forwarded chunk. */
  phase: () => PhaseName;
  /** Phases in which the allowlist applies; in the others every request is denied and recorded. */
  networkPhases: Set<PhaseName>;
  /** Defaults to dns.promises.lookup with all: true. */
  resolve?: Resolver;
  /** HardBandwidthLimit: one rate for both directions of every connection of the job. */
  bandwidthBytesPerSec?: number;
  /** HardBandwidthLimit: total bytes across the job; crossing it closes every connection. */
  maxBytes?: number;
  onViolation: (v: Violation) => void;
  onAudit: (line: AuditEntry) => void;
  onLimit?: (limit: 'bandwidth') => void;
  /** How outbound connections are made; tests inject a spy. Defaults to net.connect. */
  dial?: Dialler;
  /** A connection that carries nothing for this long is closed. Default 120 s. */
  idleTimeoutMs?: number;
  /** A client must finish its request headers this soon after connecting. Default 30 s. */
  headersTimeoutMs?: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Client connections open at once; past it, new ones are closed at once. Default 256. */
  maxClientConnections?: number;
  /**
   * --audit, the local user's choice: a request off the allowlist or in a closed phase is carried
   * and recorded as the violation it would have been. Forbidden ranges are refused all the same.
   */
  audit?: boolean;
  /** The trusted policy's allowlist, wider than `allow`: a miss it covers is told how to fix the spec. */
  ceiling?: string[];
  /** The spec's own entries the policy does not grant (an --audit run only): a miss they cover is told to widen the policy. */
  specOnly?: string[];
}

/** Large enough for real clients' cookies and auth headers, small enough that a build cannot make us hoard. */
const MAX_HEADER_BYTES = 32 * 1024;

/**
 * Package managers keep 15 to 64 connections open; a build holding thousands would spend the
 * manager's descriptors, which every other job on it shares.
 */
const MAX_CLIENT_CONNECTIONS = 256;

export const defaultResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Why a request in a phase without network is refused, and where such a download belongs. */
function closedPhaseReason(phase: PhaseName): string {
  const hint = phase === 'build' ? ': move downloads to `setup:`' : '';
  return `the network is closed in the ${phase} phase${hint}`;
}

export class EgressProxy implements EgressPort {
  private readonly allowlist: Allowlist;
  private readonly ceiling: Allowlist | undefined;
  private readonly specOnly: Allowlist | undefined;
  private readonly meter: JobMeter;
  private readonly http: HttpServer;
  private readonly open = new Set<Socket>();
  private readonly headerDeadlines = new WeakMap<Socket, NodeJS.Timeout>();
  private readonly owners = new WeakMap<Socket, OwnerLookup>();
  private readonly context: ProxyContext;
  private listener?: Server;
  private closed = false;
  private clients = 0;
  private crowdedOut = 0;
  private readonly maxClients: number;

  /** Throws AllowlistEntryError for a bad allowlist entry. */
  constructor(private readonly opts: EgressProxyOptions) {
    this.allowlist = new Allowlist(opts.allow);
    this.ceiling = opts.ceiling ? ceilingAllowlist(opts.ceiling) : undefined;
    this.specOnly = opts.specOnly ? ceilingAllowlist(opts.specOnly) : undefined;
    this.meter = new JobMeter({
      ...(opts.bandwidthBytesPerSec !== undefined
        ? { bytesPerSec: opts.bandwidthBytesPerSec }
        : {}),
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      onExhausted: () => this.exhausted(),
    });
    this.maxClients = opts.maxClientConnections ?? MAX_CLIENT_CONNECTIONS;
    this.context = this.contextFor();
    this.http = this.httpServer();
  }

  /** Bytes carried so far, both directions, every connection. */
  get bytes(): number {
    return this.meter.bytes;
  }

  accept(socket: Socket, owner?: OwnerLookup): void {
    if (this.closed) return void socket.destroy();
    if (this.clients >= this.maxClients) return this.crowded(socket);
    if (owner) this.owners.set(socket, owner);
    this.clients += 1;
    socket.once('close', () => (this.clients -= 1));
    this.track(socket);
    socket.on('error', () => undefined);
    // As http.Server's own listener would: a client's FIN must not end our side before the reply is through.
    socket.allowHalfOpen = true;
    // http.Server enforces headersTimeout only when it listens itself, which ours never does.
    const deadline = setTimeout(() => socket.destroy(), this.opts.headersTimeoutMs ?? 30_000);
    deadline.unref();
    this.headerDeadlines.set(socket, deadline);
    socket.once('close', () => clearTimeout(deadline));
    this.http.emit('connection', socket);
  }

  /** For tests and for drivers that need a TCP port (QEMU): resolves to the bound address. */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.listener = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server.address() as AddressInfo));
    });
  }

  /** Destroys every open connection, client and upstream alike, and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    this.open.forEach((s) => s.destroy());
    const listener = this.listener;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  private httpServer(): HttpServer {
    const server = createHttpServer({ maxHeaderSize: MAX_HEADER_BYTES });
    server.timeout = this.idleTimeoutMs;
    server.on('request', (req, res) => {
      this.headersDone(req.socket);
      res.on('error', () => undefined);
      void forwardRequest(this.context, req, res).catch(() => res.destroy());
    });
    server.on('connect', (req, socket: Socket, head: Buffer) => {
      this.headersDone(socket);
      socket.on('error', () => undefined);
      void openTunnel(this.context, req, socket, head).catch(() => socket.destroy());
    });
    // Never crash on a bad client: a malformed request gets one line back, a vanished one nothing.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'HPE_HEADER_OVERFLOW')
        replyOnSocket(socket, 431, 'request headers are too large');
      else if (err.code?.startsWith('HPE_')) replyOnSocket(socket, 400, 'malformed HTTP request');
      socket.destroy();
    });
    return server;
  }

  private get idleTimeoutMs(): number {
    return this.opts.idleTimeoutMs ?? 120_000;
  }

  private headersDone(socket: Socket): void {
    clearTimeout(this.headerDeadlines.get(socket));
  }

  private track(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
  }

  /** Closed before a byte is read; the first such connection of a job is in its network log. */
  private crowded(socket: Socket): void {
    socket.destroy();
    this.crowdedOut += 1;
    if (this.crowdedOut > 1) return;
    // A cap of the job's, like its byte cap: a deny in the network log, not a violation.
    const reason = `more than ${this.maxClients} connections open to the proxy at once: this one and those like it were closed`;
    this.context.open('-').refused(new EgressRefusal('exhausted', reason));
  }

  private exhausted(): void {
    this.opts.onLimit?.('bandwidth');
    this.open.forEach((s) => s.destroy());
  }

  private phaseOpen(phase: PhaseName): boolean {
    return this.opts.networkPhases.has(phase);
  }

  private async route(target: RequestTarget, log: RequestLog): Promise<string[]> {
    if (this.meter.exhausted)
      throw new EgressRefusal('exhausted', "the job's network byte cap is used up");
    const misses: string[] = [];
    const onMiss = this.opts.audit ? (reason: string) => void misses.push(reason) : undefined;
    // ConstrainNetworkAccess: outside the network phases nothing is resolved, let alone dialled.
    if (!this.phaseOpen(log.phase)) {
      const reason = closedPhaseReason(log.phase);
      if (!onMiss) throw new EgressRefusal('denied', reason);
      onMiss(reason);
    }
    const resolve = this.opts.resolve ?? defaultResolver;
    const hint = (t: RequestTarget): string =>
      (this.ceiling ? specHint(this.ceiling, t) : '') ||
      (this.specOnly ? policyHint(this.specOnly, t) : '');
    const addresses = await routeFor(target, this.allowlist, resolve, { onMiss, hint });
    if (misses.length) {
      await log.identify();
      log.letThrough(misses.join('; '));
    }
    return addresses;
  }

  private async connect(addresses: string[], port: number, onread?: OnReadOpts): Promise<Socket> {
    const dial = this.opts.dial ?? dialTcp;
    const tracked: Dialler = (address, p, reads) => {
      const socket = dial(address, p, reads);
      this.track(socket);
      // close() or the byte cap may have come while we were resolving.
      if (this.closed || this.meter.exhausted) socket.destroy();
      return socket;
    };
    return dialFirst(tracked, addresses, port, this.opts.connectTimeoutMs ?? 10_000, onread);
  }

  private gate(log: RequestLog, cut: () => void): ChunkGate {
    return {
      admit: (n) => {
        // A connection opened in setup dies with setup: a daemon cannot carry it into the build phase.
        const phase = this.opts.phase();
        if (this.phaseOpen(phase)) return this.meter.admit(n);
        const reason = `the connection was still open when the ${phase} phase began`;
        if (this.opts.audit) {
          log.letThrough(reason, phase);
          return this.meter.admit(n);
        }
        log.deny(reason, phase);
        cut();
        return false;
      },
      delayAfter: (n) => this.meter.delayAfter(n),
    };
  }

  private contextFor(): ProxyContext {
    return {
      idleTimeoutMs: this.idleTimeoutMs,
      readBytes: this.meter.readBytes,
      open: (method, client) =>
        new RequestLog(
          this.opts,
          method,
          this.opts.phase(),
          client ? this.owners.get(client) : undefined,
        ),
      route: (target, log) => this.route(target, log),
      connect: (addresses, port, onread) => this.connect(addresses, port, onread),
      gate: (log, cut) => this.gate(log, cut),
    };
  }
}
