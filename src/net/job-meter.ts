// HardBandwidthLimit: the job's bytes, both directions and every connection, against one rate and one cap.
import { TokenBucket } from './token-bucket.js';

export interface JobMeterOptions {
  bytesPerSec?: number;
  maxBytes?: number;
  /** Called once, when a chunk would take the job past maxBytes. */
  onExhausted: () => void;
}

/** A small burst keeps the measured rate honest over seconds while letting one socket read through. */
function burstFor(bytesPerSec: number): number {
  return Math.max(16 * 1024, Math.floor(bytesPerSec / 8));
}

/** What a socket reads at once when nothing is shaped; a shaped job reads about one burst at a time. */
const MAX_READ_BYTES = 1024 * 1024;
const MIN_READ_BYTES = 64 * 1024;

export class JobMeter {
  private total = 0;
  private over = false;
  private readonly bucket?: TokenBucket;
  /** How much a connection should read at once: a read is forwarded, and shaped, as one chunk. */
  readonly readBytes: number;

  constructor(private readonly opts: JobMeterOptions) {
    if (opts.bytesPerSec !== undefined)
      this.bucket = new TokenBucket(opts.bytesPerSec, burstFor(opts.bytesPerSec));
    this.readBytes =
      opts.bytesPerSec === undefined
        ? MAX_READ_BYTES
        : Math.min(MAX_READ_BYTES, Math.max(MIN_READ_BYTES, burstFor(opts.bytesPerSec)));
  }

  get bytes(): number {
    return this.total;
  }

  get exhausted(): boolean {
    return this.over;
  }

  /** Counts n bytes if the cap allows all of them; a chunk that would cross the cap is not forwarded at all. */
  admit(n: number): boolean {
    if (this.over) return false;
    if (this.opts.maxBytes !== undefined && this.total + n > this.opts.maxBytes) {
      this.over = true;
      this.opts.onExhausted();
      return false;
    }
    this.total += n;
    return true;
  }

  /** How long the sender of n admitted bytes must pause; 0 when there is no rate limit. */
  delayAfter(n: number): number {
    return this.bucket?.take(n) ?? 0;
  }
}
