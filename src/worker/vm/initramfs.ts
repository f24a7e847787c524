// The initramfs: busybox, the modules the guest needs, and the agent; built on demand and cached by content.
import { createHash } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dir, file, newcArchive } from '../image/newc.js';
import type { GuestKernel } from '../image/kernel.js';
import { GUEST_ENGINE } from './guest-engine.js';
import { GUEST_INIT, GUEST_NEIGHBOUR, GUEST_RELAY, GUEST_RESEED } from './guest-init.js';

/** The agent's helpers, run before a snapshot is saved or right after: they cannot come from a job's disk. */
const HELPERS: Record<string, string> = {
  'relay.py': GUEST_RELAY,
  'neighbour.py': GUEST_NEIGHBOUR,
  'reseed.py': GUEST_RESEED,
  // Run as root outside the chroot: it cannot come from the job's disk, which the host writes per job.
  'engine.sh': GUEST_ENGINE,
};

export const BUSYBOX = '/bin/busybox';

/** Needs a static busybox (Debian's busybox-static): the initramfs has no libc. */
export async function initramfs(kernel: GuestKernel): Promise<string> {
  const busybox = await readFile(BUSYBOX).catch((cause: unknown) => {
    throw new Error('the vm driver needs a static busybox: apt-get install busybox-static', {
      cause,
    });
  });
  const mods = await Promise.all(
    kernel.modules.map((m) => readFile(join(kernel.modulesDir, `${m}.ko`))),
  );
  const order = kernel.modules.join('\n') + '\n';
  const hash = createHash('sha256').update(GUEST_INIT).update(busybox).update(order);
  for (const [name, text] of Object.entries(HELPERS)) hash.update(name).update(text);
  const key = hash.digest('hex');
  const path = join(kernel.modulesDir, '..', `initrd-${key.slice(0, 16)}.gz`);
  if (await stat(path).catch(() => undefined)) return path;
  const entries = [
    dir('bin'),
    dir('mod'),
    file('bin/busybox', busybox, 0o755),
    file('init', Buffer.from(GUEST_INIT), 0o755),
    file('modules.order', Buffer.from(order)),
    ...Object.entries(HELPERS).map(([name, text]) => file(name, Buffer.from(text))),
    ...kernel.modules.map((m, i) => file(`mod/${m}.ko`, mods[i] as Buffer)),
  ];
  await writeFile(path + '.tmp', gzipSync(newcArchive(entries), { level: 1 }));
  await rename(path + '.tmp', path);
  return path;
}
