// The OCI bundle for one job: a synthetic read-only root, the host's /usr read-only, tmpfs for the rest.
import { statSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostSslEntries } from '../host-ssl.js';
import type { Limits } from '../../spec/types.js';
import { seccompProgram } from '../seccomp-loader.js';

export const BUILD_UID = 1000;
/** Not under /run: the build sees no /run at all. */
export const PROXY_DIR = '/.egress';
/** The phase scripts, read-only: passed as files so no script text shows in a process's argv. */
export const JOB_DIR = '/.job';

const ETC_FILES: Record<string, string> = {
  passwd: `root:x:0:0:root:/root:/bin/sh\nworker:x:${BUILD_UID}:${BUILD_UID}:build:/tmp:/bin/sh\n`,
  group: `root:x:0:\nworker:x:${BUILD_UID}:\n`,
  hosts: '127.0.0.1 localhost\n::1 localhost\n',
  // ConstrainNetworkAccess: no resolver inside; names are resolved by the proxy.
  'resolv.conf': '',
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files\n',
  hostname: 'worker\n',
};

/**
 * FilesystemIsolation: the root holds only what a toolchain needs; no /home, /root, /run or host /etc
 * (so no /etc/shadow), and nothing of it is writable.
 */
export async function makeRootfs(dir: string, ssl: string[]): Promise<void> {
  for (const d of ['etc', 'usr', 'workspace', 'tmp', 'proc', 'dev', 'sys', '.egress', '.job'])
    await mkdir(join(dir, d), { recursive: true });
  // Debian's merged /usr: the top-level directories are links into it.
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) await symlink(`usr/${l}`, join(dir, l));
  for (const [name, text] of Object.entries(ETC_FILES))
    await writeFile(join(dir, 'etc', name), text);
  await copyFile('/etc/ld.so.cache', join(dir, 'etc/ld.so.cache')).catch(() => undefined);
  for (const d of ['alternatives', 'ssl']) await mkdir(join(dir, 'etc', d));
  // Mount points for the host's /etc/ssl entries: a directory for a directory, a file for a file.
  for (const path of ssl) {
    const at = join(dir, path);
    if (statSync(path).isDirectory()) await mkdir(at);
    else await writeFile(at, '');
  }
}

function bind(destination: string, source: string, mode: 'ro' | 'rw' = 'ro'): object {
  return { destination, type: 'bind', source, options: ['rbind', mode, 'nosuid', 'nodev'] };
}

function tmpfs(destination: string, size: number, extra: string[] = []): object {
  return {
    destination,
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'nodev', `size=${size}`, ...extra],
  };
}

/** The container's own process only waits; phases arrive as `runsc exec`, one per phase. */
export function ociConfig(limits: Limits, proxyDir: string, jobDir: string, ssl: string[]): object {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/sh', '-c', 'exec sleep infinity'],
      env: ['PATH=/usr/bin:/bin'],
      cwd: '/',
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      // HardCPULimit is watched from the host; processes and open files are the sentry's own rlimits.
      rlimits: [
        { type: 'RLIMIT_NPROC', hard: limits.processes, soft: limits.processes },
        { type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 },
      ],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'worker',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', 'ro'],
      },
      bind('/usr', '/usr'),
      bind('/etc/alternatives', '/etc/alternatives'),
      ...ssl.map((path) => bind(path, path)),
      bind(PROXY_DIR, proxyDir),
      bind(JOB_DIR, jobDir),
      tmpfs('/tmp', limits.diskBytes, ['mode=1777']),
      // HardDiskLimit: the workspace is a size-capped tmpfs inside the sentry, never a host directory.
      tmpfs('/workspace', limits.diskBytes, ['mode=0755', `uid=${BUILD_UID}`, `gid=${BUILD_UID}`]),
    ],
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'network' },
      ],
    },
  };
}

export async function writeBundle(
  dir: string,
  limits: Limits,
  proxyDir: string,
  phases: { name: string; script: string }[],
): Promise<void> {
  // Read once: the mount points made and the mounts asked for are the same list.
  const ssl = hostSslEntries();
  await makeRootfs(join(dir, 'rootfs'), ssl);
  const jobDir = join(dir, 'job');
  await mkdir(jobDir);
  for (const p of phases) await writeFile(join(jobDir, `${p.name}.sh`), p.script);
  await writeFile(join(jobDir, 'seccomp.bpf'), seccompProgram());
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify(ociConfig(limits, proxyDir, jobDir, ssl), null, 1),
  );
}
