// Invoking runsc: the global flags every call of one job shares, and one call as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import type { GvisorPlatform } from './platform-probe.js';

export interface RunscSetup {
  stateDir: string;
  debugDir: string;
  /** kvm only where platform-probe.ts saw a sandbox run on it; ptrace otherwise. */
  platform: GvisorPlatform;
  /** Operator- or benchmark-chosen file system flags (e.g. --overlay2=root:memory); none by default. */
  fsFlags?: string[];
  /** How the sentry treats the bind mounts (/usr, the job's files): exclusive unless told. */
  mountsAccess?: 'exclusive' | 'shared';
}

/**
 * --network=none leaves the sandbox only its own loopback, so the proxy relay over a host Unix
 * socket is the one way out.
 */
export function runscFlags(s: RunscSetup): string[] {
  const rootless = process.getuid?.() !== 0 ? ['--rootless'] : [];
  return [
    ...rootless,
    '--root',
    s.stateDir,
    `--platform=${s.platform}`,
    // The bind mounts are read-only and nothing on the host changes them during a job, so the
    // sentry may cache their files: shared, it asks the gofer again at every lookup (gcc's many
    // header lookups in /usr: the SQLite build took 7.5 s shared against 6.6 s exclusive).
    `--file-access-mounts=${s.mountsAccess ?? 'exclusive'}`,
    ...(s.fsFlags ?? []),
    '--network=none',
    '--host-uds=open',
    '--ignore-cgroups',
    // ConstrainNetworkAccess: the sentry logs every connect and sendto for the violation report.
    '--strace',
    '--strace-syscalls=connect,sendto,sendmsg',
    `--debug-log=${s.debugDir}/`,
  ];
}

export function runsc(s: RunscSetup, args: string[]): ChildProcess {
  return spawn('runsc', [...runscFlags(s), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs runsc to completion, collecting stderr for error messages. */
export function runscDone(
  s: RunscSetup,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = runsc(s, args);
    let stdout = '';
    let stderr = '';
    child.stdin?.end();
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
