// Reads a tunnel's upstream socket in large pieces. A Node stream reads a socket 64 KiB at a time;
// for a download through the proxy that is a read, a write and a callback per 64 KiB, and it was
// most of the proxy's CPU time. With a 1 MiB buffer a fast sender fills most of each read.
import type { OnReadOpts, Socket } from 'node:net';

export interface BulkReader {
  /** The socket option this reader is made for: give it to net.connect. */
  readonly onread: OnReadOpts;
  /** Passes every read of socket to sink from now on, a read that came before first. */
  subscribe(socket: Socket, sink: (chunk: Buffer) => void): void;
}

/**
 * Reads of up to readBytes. A read of at least a quarter of that is passed on in its own buffer (a
 * fresh one takes its place); a smaller one is copied out, so a slow client never holds a mostly
 * empty buffer per small read.
 */
export function bulkReader(readBytes: number): BulkReader {
  const handOn = readBytes / 4;
  let buffer = Buffer.allocUnsafe(readBytes);
  let sink: ((chunk: Buffer) => void) | undefined;
  let early: Buffer[] = [];
  return {
    onread: {
      buffer: () => buffer,
      callback: (n, buf) => {
        let chunk: Buffer;
        if (n >= handOn) {
          chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
          buffer = Buffer.allocUnsafe(readBytes);
        } else chunk = Buffer.from(buf.subarray(0, n));
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
  };
}
