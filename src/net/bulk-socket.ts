// A socket read in large pieces (bulk-reader.ts), as a stream node's HTTP client can parse. The
// client parses whatever chunks its socket emits, and a net.Socket emits 64 KiB ones: for a large
// download every 64 KiB was a parser call, a body event, a write and a callback.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { BulkReader } from './bulk-reader.js';

/**
 * The socket's reads, pushed as they come and paused while the reader is full; writes, end and
 * destroy go straight to the socket. Only what the HTTP client calls on a socket is passed on.
 */
export class BulkReadSocket extends Duplex {
  /** The origin has sent everything: the stream ends once the reader has taken it. */
  private ended = false;

  constructor(
    private readonly socket: Socket,
    reads: BulkReader,
  ) {
    super({ allowHalfOpen: true });
    reads.subscribe(socket, (chunk) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => {
      this.ended = true;
      this.push(null);
    });
    socket.once('error', (err) => this.destroy(err));
    // After a clean end the socket closes at once, while what it read may still wait here for a
    // slow reader: only a close before the end cuts the stream short.
    socket.once('close', () => {
      if (!this.ended) this.destroy();
    });
    socket.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    if (!this.socket.destroyed) this.socket.resume();
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    done: (err?: Error | null) => void,
  ): void {
    this.socket.write(chunk, encoding, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    // The socket ends its own side when the origin ends its (net's allowHalfOpen is off).
    if (this.socket.writableEnded || this.socket.destroyed) return done();
    this.socket.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }

  setTimeout(ms: number, onTimeout?: () => void): this {
    this.socket.setTimeout(ms);
    if (onTimeout) this.once('timeout', onTimeout);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delayMs?: number): this {
    this.socket.setKeepAlive(enable, delayMs);
    return this;
  }
}
