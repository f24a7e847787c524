// A real OpenSSH server for tests, on 127.0.0.1 only, with its own host key and sshd_config in a
// temporary directory, and one client key restricted to a forced command, as a manager host has.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagerConfig } from '../../src/manager/remote/manager-config.js';
import { tempDir } from './tmp.js';

export const CONTRACTOR_BIN = fileURLToPath(new URL('../../../bin/contractor.js', import.meta.url));

export interface TestSshd {
  name: string;
  port: number;
  dir: string;
  /** The host's public key line (`ssh-ed25519 AAAA…`). */
  hostKey: string;
  clientKey: string;
  sshd: ChildProcess;
  /** What sshd printed (-e), for diagnosing a failed test. */
  log: () => string;
  manager: (extra?: Partial<ManagerConfig>) => ManagerConfig;
  stop: () => Promise<void>;
}

function keygen(path: string): string {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'contractor-test',
    '-f',
    path,
  ]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, sshd: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (sshd.exitCode !== null) throw new Error(`sshd exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sshd did not listen on ${port}: ${log()}`);
}

/** The forced command a manager host's authorized_keys runs: the real CLI by default. */
export function managerCommand(home: string, extraEnv: Record<string, string> = {}): string {
  const env = Object.entries({ CONTRACTOR_HOME: home, NO_COLOR: '1', ...extraEnv })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `env ${env} ${process.execPath} ${CONTRACTOR_BIN} manager serve --stdio`;
}

export async function startSshd(name: string, command: (dir: string) => string): Promise<TestSshd> {
  const t = tempDir(`contractor-sshd-${name}-`);
  const dir = t.path;
  // sshd insists on its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = keygen(join(dir, 'host_ed25519')).split(' ').slice(0, 2).join(' ');
  const clientPub = keygen(join(dir, 'client_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), `restrict,command="${command(dir)}" ${clientPub}\n`);
  const port = await freePort();
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${userInfo().username}`,
    'MaxStartups 100',
    'LogLevel VERBOSE',
  ];
  writeFileSync(join(dir, 'sshd_config'), config.join('\n') + '\n');
  // sshd re-executes itself, so it needs an absolute path.
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  sshd.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20000)));
  const log = (): string => output;
  await waitForPort(port, sshd, log);
  return {
    name,
    port,
    dir,
    hostKey,
    clientKey: join(dir, 'client_ed25519'),
    sshd,
    log,
    manager: (extra = {}) => ({
      name,
      host: '127.0.0.1',
      port,
      user: userInfo().username,
      key: join(dir, 'client_ed25519'),
      hostKey,
      capacity: 1,
      where: `test:${name}`,
      ...extra,
    }),
    stop: async () => {
      if (sshd.exitCode === null && sshd.signalCode === null) {
        sshd.kill('SIGTERM');
        await new Promise((resolve) => sshd.once('exit', resolve));
      }
      // A session's forced command may still be writing its last files as the listener stops.
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    },
  };
}
