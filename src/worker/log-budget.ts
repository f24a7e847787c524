// LogLimit: counts what the build prints on the host side, where the build cannot lie about it.

export class LogBudget {
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Returns the part of chunk that fits, and whether the budget is now exhausted. */
  take(chunk: Buffer): { fits: Buffer; over: boolean } {
    const room = Math.max(0, this.limit - this.used);
    this.used += chunk.length;
    if (chunk.length <= room) return { fits: chunk, over: false };
    return { fits: chunk.subarray(0, room), over: true };
  }
}
