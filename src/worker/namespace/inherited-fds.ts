// FilesystemIsolation: descriptors the manager's own parent leaked must not reach the sandbox.
import { closeSync, readdirSync, readFileSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;

/** Closes every inherited descriptor above stderr that is not in keep; Node's own are close-on-exec and stay. */
export function closeInheritedFds(keep: Set<number>): void {
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2 || keep.has(fd)) continue;
    // The directory listing's own descriptor is gone by now: nothing to read, nothing to close.
    const info = readFdInfo(fd);
    if (info === undefined) continue;
    const flags = parseInt(/flags:\s+([0-7]+)/.exec(info)?.[1] ?? '0', 8);
    if (!(flags & O_CLOEXEC)) closeSync(fd);
  }
}

function readFdInfo(fd: number): string | undefined {
  try {
    return readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    return undefined;
  }
}
