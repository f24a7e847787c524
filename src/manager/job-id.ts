// Job ids sort by time and are unique across concurrent runs on one machine.
import { randomBytes } from 'node:crypto';

/** `<UTC stamp>-<hex>`, with `random` bytes of randomness (the App's run ids take 16). */
export function newJobId(now = new Date(), random = 4): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(random).toString('hex')}`;
}
