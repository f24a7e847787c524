// HardBandwidthLimit: a token bucket that lets a sender go into debt and tells it how long to sit out.

export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly bytesPerSec: number,
    private readonly burstBytes: number,
  ) {
    this.tokens = burstBytes;
  }

  /** Spends n bytes now; returns the milliseconds the sender must pause before the next chunk. */
  take(n: number): number {
    const now = performance.now();
    this.tokens = Math.min(
      this.burstBytes,
      this.tokens + ((now - this.last) * this.bytesPerSec) / 1000,
    );
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.bytesPerSec;
  }
}
