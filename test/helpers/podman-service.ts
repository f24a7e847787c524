// A real Podman Docker-compatible API service for tests: its own storage, config and socket in a
// temporary directory, no network of its own (containers get `none`), removed whole when stopped.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { processesMatching } from './processes.js';
import { tempDir } from './tmp.js';

export interface TestPodman {
  dir: string;
  socket: string;
  /** The podman command line that reaches the same storage, for setting up "someone else's" objects. */
  podman: (args: string[]) => string;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * runc, not crun: crun refuses hosts with cgroups v1 and v2 mounted side by side (this one).
 * Ulimits within the test's own hard limits, which a rootful engine's defaults exceed here.
 */
function containersConf(dir: string, backend: string): string {
  return [
    '[containers]',
    'netns = "none"',
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    'log_driver = "k8s-file"',
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    'runtime = "runc"',
    '[network]',
    `network_backend = "${backend}"`,
    `network_config_dir = "${join(dir, 'cni')}"`,
    '',
  ].join('\n');
}

/** Podman 5 (Debian 13) has only netavark; 4 (Debian 12) uses CNI here. Either keeps to the test's directory. */
function networkBackend(): string {
  const version = execFileSync('podman', ['--version'], { encoding: 'utf8' });
  return Number(/(\d+)\.\d+/.exec(version)?.[1] ?? 0) >= 5 ? 'netavark' : 'cni';
}

export async function startPodman(): Promise<TestPodman> {
  const tmp = tempDir('contractor-podman-');
  const dir = tmp.path;
  mkdirSync(join(dir, 'cni'));
  writeFileSync(join(dir, 'containers.conf'), containersConf(dir, networkBackend()));
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
  const global = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'run'),
    '--tmpdir',
    join(dir, 'tmp'),
    '--storage-driver',
    'vfs',
  ];
  const socket = join(dir, 'engine.sock');
  const service: ChildProcess = spawn(
    'podman',
    [...global, 'system', 'service', '--time=0', `unix://${socket}`],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  service.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  for (let i = 0; i < 300 && !existsSync(socket); i++) {
    if (service.exitCode !== null) throw new Error(`podman service exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(socket)) throw new Error(`podman service made no socket: ${log}`);
  const podman = (args: string[]) =>
    execFileSync('podman', [...global, ...args], { env, encoding: 'utf8' });
  return {
    dir,
    socket,
    podman,
    log: () => log,
    stop: async () => {
      try {
        podman(['rm', '--all', '--force', '--time', '0']);
      } catch {
        // Nothing to remove, or the engine is gone already; the sweep below still runs.
      }
      service.kill('SIGTERM');
      await new Promise((r) => (service.exitCode !== null ? r(null) : service.once('exit', r)));
      for (const p of processesMatching(dir)) process.kill(p.pid, 'SIGKILL');
      unmountBeneath(dir);
      tmp.remove();
    },
  };
}

/** Container shm and secrets tmpfs mounts left under the run root would keep the directory busy. */
function unmountBeneath(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .reverse();
  for (const m of mounts) execFileSync('umount', ['-l', m]);
}
