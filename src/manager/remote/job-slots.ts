// A manager host's job slots, counted across all its SSH sessions: each `manager serve` is its own
// process, so a slot is a lock file one of them holds (flock, see owner-lock.ts). The kernel lets
// go of it when that process ends, even by SIGKILL, so a lost session never keeps a slot.
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ContractorError } from '../../errors.js';
import { lockHolder } from '../owner-lock.js';

export interface SlotLimits {
  /** Jobs this host runs at once, whoever sent them. */
  capacity: number;
  /** The client key's name, from its authorized_keys line (`--client NAME`). */
  client?: string;
  /** Jobs that one client key runs at once (default: capacity). */
  perClient?: number;
}

export type ReleaseSlot = () => Promise<void>;

/** Names that are safe in a file name and readable in a message. */
export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

async function takeOne(dir: string, prefix: string, count: number): Promise<string | undefined> {
  for (let i = 0; i < count; i++) {
    const file = join(dir, `${prefix}-${i}.lock`);
    await (await open(file, 'a', 0o600)).close();
    if (await lockHolder().lock(file)) return file;
  }
  return undefined;
}

/** Takes a host slot and, for a named client, one of its slots; refuses when either is full. */
export async function takeJobSlot(dir: string, limits: SlotLimits): Promise<ReleaseSlot> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const taken: string[] = [];
  const release: ReleaseSlot = async () => {
    for (const file of taken.splice(0)) await lockHolder().release(file);
  };
  if (limits.client !== undefined) {
    const perClient = limits.perClient ?? limits.capacity;
    const mine = await takeOne(dir, `client-${limits.client}`, perClient);
    if (!mine)
      throw new ContractorError(
        'INFRASTRUCTURE',
        `this manager already runs ${perClient} job(s) for client ${limits.client}, its limit: wait for one to finish or ask the operator for more`,
      );
    taken.push(mine);
  }
  const host = await takeOne(dir, 'host', limits.capacity);
  if (!host) {
    await release();
    throw new ContractorError(
      'INFRASTRUCTURE',
      `this manager is full: ${limits.capacity} job(s) running, its capacity; try another manager or later`,
    );
  }
  taken.push(host);
  return release;
}
