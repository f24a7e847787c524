// A worker must not outlive the manager that supervises it: a build nobody watches has no wall
// limit and nobody to report to. The watchdog is a shell in its own session reading a pipe from
// us; if that pipe reaches end of file without our word that the job ended (SIGKILL, a crash,
// the OOM killer), the shell runs the job's cleanup.
import { spawn } from 'node:child_process';

export interface Watchdog {
  /** The job ended under our supervision: the watchdog leaves without cleaning. */
  disarm(): void;
}

const DISARM = 'job-ended';

/**
 * `cleanup` runs under sh with "$@" set to args and env added; it must be safe to run after a
 * partial start, and again after our own cleanup.
 */
export function armWatchdog(
  cleanup: string,
  args: string[],
  env: Record<string, string> = {},
): Watchdog {
  const child = spawn(
    'sh',
    [
      '-c',
      `read -r word; [ "$word" = ${DISARM} ] && exit 0; ${cleanup}`,
      'contractor-watchdog',
      ...args,
    ],
    // detached: a Ctrl-C to the manager's process group must not take the watchdog with it.
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: { ...process.env, ...env } },
  );
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  child.unref();
  return {
    disarm: () => {
      if (!child.stdin.writableEnded) child.stdin.end(`${DISARM}\n`);
    },
  };
}
