// What a request handler needs from the proxy that owns it; the handlers never see the options directly.
import type { OnReadOpts, Socket } from 'node:net';
import type { ChunkGate } from './pump.js';
import type { RequestLog } from './request-log.js';
import type { RequestTarget } from './request-target.js';

export interface ProxyContext {
  readonly idleTimeoutMs: number;
  /** How much a tunnel reads from upstream at once (the job meter's choice). */
  readonly readBytes: number;
  /** A fresh audit line, stamped with the time and the phase the request arrived in. */
  open(method: string, client?: Socket): RequestLog;
  /** Phase, byte cap, allowlist, then resolution and the range check: addresses to dial, or an EgressRefusal. */
  route(target: RequestTarget, log: RequestLog): Promise<string[]>;
  /** Connects to the first address that answers; the socket is closed with the proxy. */
  connect(addresses: string[], port: number, onread?: OnReadOpts): Promise<Socket>;
  /** The job meter as one request sees it; `cut` ends the request if its phase loses the network. */
  gate(log: RequestLog, cut: () => void): ChunkGate;
}
