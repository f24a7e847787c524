// Job ids sort by time and are unique across concurrent runs on one machine.
import { randomBytes } from 'node:crypto';

export function newJobId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
