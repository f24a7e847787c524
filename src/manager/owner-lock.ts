// Whether a scratch directory's owner still runs is proved by a lock it holds, not by its pid: a
// pid means nothing to a manager in another pid namespace (a container, a sandbox) that shares
// the temporary directory, and such a manager removed live jobs' directories. Node has no
// flock(2), so one bash per manager process holds the locks (util-linux flock takes each on an fd
// of bash's); bash reads our requests on a pipe, so when we die, even by SIGKILL, the pipe
// closes, bash ends and the kernel releases every lock.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';

/** The lock file's name inside a locked scratch directory. */
export const OWNER_LOCK = '.contractor-owner.lock';

// `command exec`: a file that cannot be opened answers "-" instead of ending the shell.
const HOLDER = `while IFS= read -r line; do arg=\${line#* }; case $line in
  "lock "*) if command exec {fd}<"$arg" && flock -x -n "$fd"; then echo "$fd"; else echo -; fi ;;
  "close "*) exec {arg}<&- ;;
esac; done`;

class LockHolder {
  private readonly child: ChildProcess;
  private readonly replies: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Lock file → bash's fd holding it. */
  private readonly held = new Map<string, number>();

  constructor() {
    this.child = spawn('bash', ['-c', HOLDER], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.on('error', () => this.fail());
    this.child.on('exit', () => this.fail());
    this.child.stdin?.on('error', () => undefined);
    this.replies = createInterface({ input: this.child.stdout! });
    this.replies.on('line', (l) => this.waiting.shift()?.(l));
    // The holder lives as long as we do, and never keeps us alive.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout])
      (s as unknown as { unref(): void }).unref();
  }

  private fail(): void {
    this.waiting.splice(0).forEach((w) => w('-'));
  }

  /** Locks the file for as long as this process runs; false if it could not be locked. */
  lock(file: string): Promise<boolean> {
    const next = this.queue.then(() => this.request(file));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async request(file: string): Promise<boolean> {
    if (file.includes('\n') || !this.child.stdin?.writable) return false;
    // The fds of directories since removed are let go, so a long-lived manager holds few.
    for (const [path, fd] of this.held)
      if (!existsSync(path)) (this.held.delete(path), this.child.stdin.write(`close ${fd}\n`));
    const reply = new Promise<string>((resolve) => this.waiting.push(resolve));
    const out = this.child.stdout as unknown as { ref(): void; unref(): void };
    // Awaited, the reply must keep us alive; between requests nothing of the holder does.
    out.ref();
    this.child.stdin.write(`lock ${file}\n`);
    const fd = Number(await reply.finally(() => out.unref()));
    if (!Number.isInteger(fd)) return false;
    this.held.set(file, fd);
    return true;
  }

  /** Lets go of a lock this process holds (a job slot whose job is over). */
  release(file: string): Promise<void> {
    const next = this.queue.then(() => {
      const fd = this.held.get(file);
      if (fd === undefined) return;
      this.held.delete(file);
      this.child.stdin?.write(`close ${fd}\n`);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The lock file was moved (its directory renamed): the same inode, the same lock. */
  moved(from: string, to: string): void {
    const fd = this.held.get(from);
    if (fd === undefined) return;
    this.held.delete(from);
    this.held.set(to, fd);
  }
}

let holder: LockHolder | undefined;

/** This process's lock holder, started on first use. */
export function lockHolder(): LockHolder {
  holder ??= new LockHolder();
  return holder;
}

/**
 * Whether nobody holds the lock on file: a non-blocking try (flock -n), released at once. False
 * when it is held, or when it cannot be tried at all. The file is opened here, without O_CREAT,
 * and handed to flock as a descriptor: flock(1) given a path creates it, and would put a file
 * back into a directory its owner is removing (whose rmdir then fails with ENOTEMPTY).
 */
export async function lockFree(file: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    return await new Promise<boolean>((resolve) => {
      const child = spawn('flock', ['-x', '-n', '-E', '75', '3'], {
        stdio: ['ignore', 'ignore', 'ignore', handle.fd],
      });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
  } finally {
    await handle.close();
  }
}
