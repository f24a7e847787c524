// The netns holder's program, run by the uid the holder runs as. A root manager runs each holder
// as a fresh job uid, which is no file's owner and in no group: it reaches the install by path
// only where every directory above it lets others in. A clone under /root, or in a home directory
// of mode 0700 (Debian 12's default for new users), does not.
import { openSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ContractorError } from '../../errors.js';
import { installPath } from '../../install-root.js';
import { FIRST_PHASE_FD, MAX_PHASES } from './holder-protocol.js';

/**
 * The holder's program as installed: its bundle (one file, so it starts sooner) when that is at
 * least as new as the unbundled file, which a bare tsc rewrites; never a stale bundle.
 */
export function installedHolderProgram(): string {
  const unbundled = installPath('dist', 'src', 'worker', 'namespace', 'netns-holder.js');
  const bundled = installPath('dist', 'bundle', 'netns-holder.cjs');
  const mtime = (p: string): number => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return mtime(bundled) >= mtime(unbundled) ? bundled : unbundled;
}

/**
 * Whether a user who owns none of the path and is in none of its groups may use it: `bit` is 0o4
 * to read a file, 0o1 to run one; every directory above it must let such a user through.
 */
export function othersMay(path: string, bit: 0o4 | 0o1): boolean {
  try {
    const real = realpathSync(path);
    if (!(statSync(real).mode & bit)) return false;
    for (let dir = dirname(real); ; dir = dirname(dir)) {
      if (!(statSync(dir).mode & 0o1)) return false;
      if (dirname(dir) === dir) return true;
    }
  } catch {
    return false;
  }
}

/** Where the holder inherits its program's descriptor: after stdio, the IPC channel and the phases' pipes. */
export const PROGRAM_FD = FIRST_PHASE_FD + 2 * MAX_PHASES;

export interface HolderProgram {
  /** node's arguments that run it. */
  args: string[];
  /** The descriptor to pass at PROGRAM_FD, when args read it there; the caller closes it once spawned. */
  fd?: number;
}

/**
 * How a holder running as uid (undefined: our own) runs its program. The bundle is passed as an
 * open descriptor, which node reads through /proc/self/fd as its main module: the kernel checks
 * only the file's own mode there, not the directories above it, so a job uid runs it from an
 * install private to root, and nothing is copied anywhere. The unbundled program imports its
 * neighbours by path, so it is run from its path, which the holder's uid must be able to read.
 */
export function holderProgramFor(
  uid: number | undefined,
  installed = installedHolderProgram(),
): HolderProgram {
  if (uid !== undefined && !othersMay(process.execPath, 0o1))
    throw new ContractorError(
      'INFRASTRUCTURE',
      `the namespace driver runs each job's holder as an unprivileged uid, which cannot run node at ${process.execPath}: install Node.js where every user can run it`,
    );
  if (!installed.endsWith('.cjs')) {
    if (uid !== undefined && !othersMay(installed, 0o4))
      throw new ContractorError(
        'INFRASTRUCTURE',
        `the job's uid cannot read ${installed}, and only the bundle can be passed to it open: run npm run build`,
      );
    return { args: [installed] };
  }
  // Without --preserve-symlinks-main node would resolve the link back to the private path.
  return {
    args: ['--preserve-symlinks-main', `/proc/self/fd/${PROGRAM_FD}`],
    fd: openSync(installed, 'r'),
  };
}
