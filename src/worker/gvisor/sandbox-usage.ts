// What a runsc sandbox uses, read by the host: CPU of the sentry and its ptrace stubs, and the
// sentry's memory file, which holds every page the build (and its tmpfs) has, with the sentry's heap.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { processCpuMs } from '../process-usage.js';

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')),
  );
  return lists.flatMap((l) => l.split(' ').filter(Boolean).map(Number));
}

/** Under the ptrace platform the build's instructions run in stub processes under the sentry. */
export async function sandboxCpuMs(sentry: number): Promise<number> {
  let total = 0;
  const queue = [sentry];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    total += (await processCpuMs(pid)) ?? 0;
    queue.push(...(await childrenOf(pid)));
  }
  return total;
}

/**
 * HardRAMLimit: the sandbox's real use is the build's pages (the memfd) and the sentry's own heap,
 * which holds what the build makes the kernel keep: Unix socket buffers once held 2 GiB there
 * under a 256 MiB limit, unseen by the memfd alone.
 */
export async function sandboxMemoryBytes(sentry: number, hint: MemfdHint = {}): Promise<number> {
  const [pages, heap] = await Promise.all([memfdBytes(sentry, hint), sentryAnonBytes(sentry)]);
  return pages + heap;
}

/** The sentry's anonymous resident memory: its heap, not the memfd it maps (that is RssShmem). */
async function sentryAnonBytes(sentry: number): Promise<number> {
  const status = await readFile(`/proc/${sentry}/status`, 'utf8').catch(() => '');
  return Number(/^RssAnon:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Where the sentry's memfd was last seen: a poll reads that fd again, not all of its hundreds. */
export interface MemfdHint {
  fd?: string;
}

/** Allocated (not sparse) bytes of the sentry's memfd "runsc-memory". */
async function memfdBytes(sentry: number, hint: MemfdHint): Promise<number> {
  // Checked again by its link on every read: a hint never stands for a file it no longer names.
  const seen = hint.fd === undefined ? undefined : await memfdAt(sentry, hint.fd);
  if (seen !== undefined) return seen;
  for (const fd of await readdir(`/proc/${sentry}/fd`).catch(() => [] as string[])) {
    const bytes = await memfdAt(sentry, fd);
    if (bytes !== undefined) {
      hint.fd = fd;
      return bytes;
    }
  }
  return 0;
}

async function memfdAt(sentry: number, fd: string): Promise<number | undefined> {
  const link = await readlink(`/proc/${sentry}/fd/${fd}`).catch(() => '');
  if (!link.startsWith('/memfd:runsc-memory')) return undefined;
  const st = await stat(`/proc/${sentry}/fd/${fd}`).catch(() => undefined);
  return (st?.blocks ?? 0) * 512;
}
