// Reads a tunnel's upstream socket in large pieces. A Node stream reads a socket 64 KiB at a time;
// for a download through the proxy that is a read, a write and a callback per 64 KiB, and it was
// most of the proxy's CPU time. With a 1 MiB buffer a fast sender fills most of each read.
import type { OnReadOpts, Socket } from 'node:net';

/** Where every tunnel starts, and what an idle one holds: a build may open many and leave them. */
const SMALLEST_READ = 64 * 1024;

export interface BulkReader {
  /** The socket option this reader is made for: give it to net.connect. */
  readonly onread: OnReadOpts;
  /** Passes every read of socket to sink from now on, a read that came before first. */
  subscribe(socket: Socket, sink: (chunk: Buffer) => void): void;
  /** The size of the buffer the next read goes into. */
  readonly nextReadBytes: number;
}

/**
 * Reads of up to maxBytes. The buffer doubles while reads fill half of it and drops back to 64 KiB
 * once one fills less than an eighth. A read of at least a quarter of its buffer is passed on in
 * that buffer (a fresh one takes its place); a smaller one is copied out, so a slow client never
 * holds a mostly empty buffer per small read.
 */
export function bulkReader(maxBytes: number): BulkReader {
  const smallest = Math.min(SMALLEST_READ, maxBytes);
  let size = smallest;
  let buffer: Buffer | undefined;
  let sink: ((chunk: Buffer) => void) | undefined;
  let early: Buffer[] = [];
  return {
    onread: {
      buffer: () => (buffer ??= Buffer.allocUnsafe(size)),
      callback: (n, buf) => {
        const full = buf.length;
        let chunk: Buffer;
        if (n >= full / 4) {
          chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
          buffer = undefined;
        } else chunk = Buffer.from(buf.subarray(0, n));
        const next = n >= full / 2 ? Math.min(maxBytes, full * 2) : n < full / 8 ? smallest : full;
        if (next !== size) ((size = next), (buffer = undefined));
        if (sink) {
          sink(chunk);
          return true;
        }
        early.push(chunk);
        return false; // paused until someone takes the bytes
      },
    },
    subscribe(socket, fn) {
      sink = fn;
      const held = early;
      early = [];
      if (!held.length) return;
      // Resumed first: the sink may pause it again as it takes what was held.
      socket.resume();
      for (const chunk of held) fn(chunk);
    },
    get nextReadBytes() {
      return size;
    },
  };
}
