// Copies one direction of a connection through the job meter, pausing the source rather than buffering.
import type { Readable, Writable } from 'node:stream';

/** What a chunk must pass before it is forwarded: the cap (admit) and the rate (delayAfter). */
export interface ChunkGate {
  admit(n: number): boolean;
  delayAfter(n: number): number;
}

/**
 * http.ServerResponse corks every write until the next tick, so write() reports "full" after each 64 KiB
 * chunk; pausing on that alone costs a read stop and start per chunk. We pause once this much is queued.
 */
const SINK_HIGH_WATER = 1024 * 1024;

/**
 * HardBandwidthLimit: backpressure, not buffering — the source is paused while the sink is full or the
 * bucket is in debt, so at most SINK_HIGH_WATER and one chunk per direction is ever held.
 */
export function pump(
  src: Readable,
  dst: Writable,
  gate: ChunkGate,
  count: (n: number) => void,
  /** How src's chunks reach us: its 'data' events, unless it is read another way (bulk-reader.ts). */
  subscribe: (onChunk: (chunk: Buffer) => void) => void = (onChunk) => src.on('data', onChunk),
): void {
  let holds = 0;
  let timer: NodeJS.Timeout | undefined;
  const hold = (): void => {
    if (holds++ === 0) src.pause();
  };
  const release = (): void => {
    if (--holds === 0 && !src.destroyed) src.resume();
  };
  subscribe((chunk) => {
    if (!gate.admit(chunk.length)) return;
    count(chunk.length);
    if (!dst.write(chunk) && dst.writableLength >= SINK_HIGH_WATER) {
      hold();
      dst.once('drain', release);
    }
    const wait = gate.delayAfter(chunk.length);
    if (wait <= 0) return;
    hold();
    timer = setTimeout(release, Math.ceil(wait));
  });
  src.once('end', () => dst.end());
  src.once('close', () => clearTimeout(timer));
}
