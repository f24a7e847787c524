// Opens a session with a manager over SSH (ssh2): pinned host key, key authentication,
// keepalives, then an exec of the manager's forced command. Exec rather than a subsystem: an
// authorized_keys `restrict,command="…"` line pins the key to the manager on any stock sshd,
// with no sshd_config edit, and overrides whatever the client asks to run.
import { readFile } from 'node:fs/promises';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { ContractorError } from '../../errors.js';
import { fingerprintOf, pinFromConfig, pinFromKnownHosts, type HostKeyPin } from './host-key.js';
import type { ManagerConfig } from './manager-config.js';
import { openSession, type ManagerSession, type SessionOptions } from './manager-session.js';

export const MANAGER_COMMAND = 'contractor manager serve --stdio';

export interface SshOptions extends SessionOptions {
  connectTimeoutMs?: number;
  keepaliveMs?: number;
}

async function pinFor(m: ManagerConfig): Promise<HostKeyPin> {
  if (m.hostKey !== undefined) return pinFromConfig(m.hostKey, `${m.where}: hostKey`);
  const file = m.knownHosts as string;
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new ContractorError(
      'USAGE',
      `cannot read known_hosts ${file} for manager ${m.name}: ${err.message}`,
    );
  });
  return pinFromKnownHosts(text, file, m.host, m.port);
}

async function readKey(m: ManagerConfig): Promise<Buffer> {
  return readFile(m.key).catch((err: Error) => {
    throw new ContractorError(
      'USAGE',
      `cannot read the key ${m.key} for manager ${m.name} (${m.where}): ${err.message}`,
    );
  });
}

function connect(
  m: ManagerConfig,
  config: ConnectConfig,
  refusedKey: () => string | undefined,
  pin: HostKeyPin,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn.once('ready', () => resolve(conn));
    conn.once('error', (err) => {
      conn.end();
      const shown = refusedKey();
      if (shown)
        return reject(
          new ContractorError(
            'INFRASTRUCTURE',
            `manager ${m.name} (${m.host}:${m.port}) presented host key ${shown}, which is not the key pinned in ${pin.source}; ` +
              `refused. If the manager's key really changed, check the new fingerprint out of band and update the pin`,
            { cause: err },
          ),
        );
      reject(
        new ContractorError(
          'INFRASTRUCTURE',
          `cannot reach manager ${m.name} (${m.host}:${m.port}): ${err.message}`,
          {
            cause: err,
          },
        ),
      );
    });
    conn.connect(config);
  });
}

function exec(conn: Client, m: ManagerConfig): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    conn.exec(MANAGER_COMMAND, (err, channel) =>
      err
        ? reject(
            new ContractorError(
              'INFRASTRUCTURE',
              `manager ${m.name} refused the session: ${err.message}`,
              { cause: err },
            ),
          )
        : resolve(channel),
    ),
  );
}

export async function openSshSession(
  m: ManagerConfig,
  o: SshOptions = {},
): Promise<ManagerSession> {
  const pin = await pinFor(m);
  let refused: string | undefined;
  const conn = await connect(
    m,
    {
      host: m.host,
      port: m.port,
      username: m.user,
      privateKey: await readKey(m),
      // HostProtection for the client: the gate only ever talks to the manager it pinned.
      hostVerifier: (key: Buffer) => {
        if (pin.matches(key)) return true;
        refused = fingerprintOf(key);
        return false;
      },
      ...(pin.algorithms ? { algorithms: { serverHostKey: pin.algorithms as never } } : {}),
      keepaliveInterval: o.keepaliveMs ?? 5_000,
      keepaliveCountMax: 3,
      readyTimeout: o.connectTimeoutMs ?? 15_000,
    },
    () => refused,
    pin,
  );
  const channel = await exec(conn, m).catch((err) => {
    conn.end();
    throw err;
  });
  let stderr = '';
  channel.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4096)));
  const close = (): void => {
    channel.end();
    conn.end();
  };
  conn.on('error', () => channel.destroy());
  conn.on('close', () => channel.destroy());
  return openSession(m.name, { input: channel, output: channel, stderr: () => stderr, close }, o);
}
