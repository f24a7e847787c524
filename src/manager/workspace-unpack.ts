// Unpacks a tar the build produced, in user space, keeping nothing that could hurt the host.
import { lstat, readdir, chmod } from 'node:fs/promises';
import { isAbsolute, join, normalize, posix } from 'node:path';
import { x as extractTar } from 'tar';
import type { Violation } from '../net/violation.js';

export interface UnpackOutcome {
  bytes: number;
  dropped: Violation[];
  overLimit: boolean;
}

/** A link target is safe when, resolved from the link's own directory, it stays inside the root. */
export function linkStaysInside(entryPath: string, target: string): boolean {
  if (isAbsolute(target) || target.includes('\0')) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(entryPath), target));
  return resolved !== '..' && !resolved.startsWith('../') && !posix.isAbsolute(resolved);
}

function dropped(path: string, detail: string): Violation {
  return { kind: 'filesystem', phase: 'build', detail: `${path}: ${detail}` };
}

/**
 * FilesystemIsolation and HardDiskLimit on the way out: no symlink or hard link leaving the
 * tree, no device or fifo, no setuid/setgid/sticky bit, nothing past the size cap.
 */
export async function unpackSanitised(
  tarFile: string,
  dest: string,
  capBytes: number,
): Promise<UnpackOutcome> {
  const outcome: UnpackOutcome = { bytes: 0, dropped: [], overLimit: false };
  await extractTar({
    file: tarFile,
    cwd: dest,
    preservePaths: false,
    preserveOwner: false,
    noMtime: false,
    strict: false,
    filter: (path, entry) => {
      const e = entry as unknown as {
        type: string;
        linkpath?: string;
        size?: number;
        mode?: number;
      };
      const p = normalize(path).replace(/^\.\/?/, '');
      if (e.type === 'SymbolicLink' && !linkStaysInside(p, e.linkpath ?? '')) {
        outcome.dropped.push(dropped(p, `symlink to ${e.linkpath} leaves the workspace`));
        return false;
      }
      if (e.type === 'Link' && !linkStaysInside('x', e.linkpath ?? '')) {
        outcome.dropped.push(dropped(p, `hard link to ${e.linkpath} leaves the workspace`));
        return false;
      }
      if (
        !['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'].includes(e.type)
      ) {
        outcome.dropped.push(dropped(p, `${e.type} entries are not kept`));
        return false;
      }
      outcome.bytes += e.size ?? 0;
      if (outcome.bytes > capBytes) {
        outcome.overLimit = true;
        return false;
      }
      if (e.mode !== undefined) e.mode &= 0o777;
      return true;
    },
  });
  await clearSpecialBits(dest);
  return outcome;
}

// Belt and braces: whatever the extractor did, no setuid, setgid or sticky bit survives.
async function clearSpecialBits(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isSymbolicLink()) continue;
    if (st.mode & 0o7000) await chmod(path, st.mode & 0o777);
    if (st.isDirectory()) await clearSpecialBits(path);
  }
}
