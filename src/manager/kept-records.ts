// A hostile build can make the proxy refuse requests as fast as loopback carries them: 139,000 in
// 20 s here, each a violation and an audit line. Kept whole, a 30-minute job would hold gigabytes
// in the manager and write them to result.json. So a job keeps the first of each and counts the
// rest; the status and the counts still see every one.

/** Violations kept in full: far more than a person reads, enough to see what a build tried. */
export const MAX_VIOLATIONS_KEPT = 1000;
/**
 * Audit lines kept: a large npm install makes a few thousand requests. At most ~500 bytes each
 * (a 253-byte host and a reason), 10,000 keep a remote manager's result inside its 8 MiB frame.
 */
export const MAX_AUDIT_KEPT = 10_000;

export class KeptRecords<T> {
  readonly kept: T[] = [];
  omitted = 0;

  constructor(readonly max: number) {}

  /** True when the record was kept, false when it was only counted. */
  add(record: T): boolean {
    if (this.kept.length < this.max) {
      this.kept.push(record);
      return true;
    }
    this.omitted += 1;
    return false;
  }

  get total(): number {
    return this.kept.length + this.omitted;
  }
}
