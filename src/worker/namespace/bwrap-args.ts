// One bwrap invocation: the sandbox a phase (or the workspace unpacking) runs in.
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hostSslEntries } from '../host-ssl.js';
import { maskedProc } from './sandbox-proc.js';
import { BUILD_GID, BUILD_HOSTNAME, BUILD_UID, HOST_ETC, syntheticEtc } from './sandbox-etc.js';

/** Where the holder keeps a job's files inside its private tmpfs, mounted at stateDir. */
export function jobLayout(stateDir: string) {
  return {
    etc: join(stateDir, 'etc'),
    proc: join(stateDir, 'proc'),
    seccomp: join(stateDir, 'seccomp.bpf'),
    scripts: join(stateDir, 'scripts'),
    disk: join(stateDir, 'disk'),
    workspace: join(stateDir, 'disk', 'workspace'),
    tmp: join(stateDir, 'disk', 'tmp'),
    shm: join(stateDir, 'disk', 'shm'),
    pts: join(stateDir, 'pts'),
  };
}

export type JobLayout = ReturnType<typeof jobLayout>;

/** Descriptors as the bwrap child sees them (the holder's spawn maps them there). */
export const SECCOMP_FD = 3;
export const STATUS_FD = 4;

const ROOT_ENTRIES = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** Merged-/usr hosts make /bin and friends symlinks into /usr; older ones have real directories. */
function rootEntries(): string[] {
  return ROOT_ENTRIES.flatMap((name) => {
    const path = `/${name}`;
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return [];
    if (st.isSymbolicLink()) return ['--symlink', readlinkSync(path), path];
    return st.isDirectory() ? ['--ro-bind', path, path] : [];
  });
}

function etcEntries(layout: JobLayout): string[] {
  const host = [
    ...HOST_ETC.map((f) => `/etc/${f}`).filter((p) => existsSync(p)),
    ...hostSslEntries(),
  ].flatMap((p) => ['--ro-bind', p, p]);
  const ours = Object.keys(syntheticEtc()).flatMap((f) => [
    '--ro-bind',
    join(layout.etc, f),
    `/etc/${f}`,
  ]);
  return [...host, ...ours];
}

/** Bound over the sandbox's own /proc, after /proc/sys, so the files written for the job are what it reads. */
function procEntries(layout: JobLayout): string[] {
  return maskedProc().flatMap((f) => ['--ro-bind', join(layout.proc, f.name), f.at]);
}

function envEntries(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .flatMap(([k, v]) => ['--setenv', k, v]);
}

/** FilesystemIsolation, HostProtection: everything the build may see, and nothing more. */
export function sandboxArgs(
  layout: JobLayout,
  env: Record<string, string>,
  chdir: string,
): string[] {
  return [
    '--unshare-user',
    '--unshare-pid',
    // Processes: no bwrap init. It runs as the build's uid and bwrap makes it dumpable, so the
    // build could rewrite it through /proc/1/mem and forge its exit. The build is its own pid 1.
    '--as-pid-1',
    '--unshare-uts',
    '--unshare-cgroup-try',
    // No --unshare-net or --unshare-ipc: the holder's namespaces, the network with its trap and
    // proxy and the IPC with its limits, are the job's own already.
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--clearenv',
    ...envEntries(env),
    '--hostname',
    BUILD_HOSTNAME,
    '--uid',
    String(BUILD_UID),
    '--gid',
    String(BUILD_GID),
    '--ro-bind',
    '/usr',
    '/usr',
    ...rootEntries(),
    ...etcEntries(layout),
    '--proc',
    '/proc',
    // HostProtection: most sysctls are global, so /proc/sys is read-only whoever the kernel takes us for.
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
    ...procEntries(layout),
    '--dev',
    '/dev',
    // HostProtection: the job's capped devpts over bwrap's uncapped one (job-pts.ts).
    '--dev-bind',
    layout.pts,
    '/dev/pts',
    // HardDiskLimit: /workspace, /tmp and /dev/shm all live on the job's size-capped tmpfs. bwrap's
    // /dev is a tmpfs of half the host's memory that the build owns: it is made read-only, or it
    // would hold whatever the disk limit refuses, and in rlimit mode uncounted by any limit.
    '--bind',
    layout.shm,
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--bind',
    layout.workspace,
    '/workspace',
    '--bind',
    layout.tmp,
    '/tmp',
    '--ro-bind',
    layout.scripts,
    '/.contractor',
    '--remount-ro',
    '/',
    '--chdir',
    chdir,
    '--seccomp',
    String(SECCOMP_FD),
    '--json-status-fd',
    String(STATUS_FD),
  ];
}
