// A throwaway PostgreSQL cluster for one test file: initdb in a temporary directory, postgres on a unix
// socket inside it (no port, never the system cluster), stopped and removed afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.CONTRACTOR_PG_BIN ?? debianPostgresBin();
const PORT = 5432; // only names the socket file: nothing listens on TCP

export interface PostgresCluster {
  /** postgresql://… reaching this cluster's socket, database `contractor`. */
  url: string;
  /** A URL for another database of this cluster, created empty. */
  database: (name: string) => string;
  stop: () => Promise<void>;
}

/** The newest server Debian's postgresql package installed: 15 on Debian 12, 17 on Debian 13. */
function debianPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return join(root, majors[0] ?? '15', 'bin');
}

/** Root may not run postgres: the package's `postgres` user owns the cluster then. */
function owner(): { uid: number; gid: number; prefix: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0)
    throw new Error('no `postgres` user: run ./setup to install PostgreSQL from Debian');
  const uid = Number(id.stdout.trim());
  return {
    uid,
    gid: Number(gid.stdout.trim()),
    prefix: ['setpriv', `--reuid=${uid}`, `--regid=${gid.stdout.trim()}`, '--clear-groups', '--'],
  };
}

function run(argv: string[]): void {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd as string, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}${r.stdout}`);
}

function psql(socketDir: string, sql: string): void {
  run([
    join(BIN, 'psql'),
    '-h',
    socketDir,
    '-p',
    String(PORT),
    '-U',
    'contractor',
    '-d',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-qc',
    sql,
  ]);
}

async function ready(socketDir: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${log()}`);
    const r = spawnSync(join(BIN, 'pg_isready'), ['-h', socketDir, '-p', String(PORT)]);
    if (r.status === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`postgres did not become ready: ${log()}`);
}

export async function startPostgres(): Promise<PostgresCluster> {
  if (!existsSync(join(BIN, 'postgres')))
    throw new Error(`no PostgreSQL in ${BIN}: run ./setup (Debian package postgresql)`);
  const dir = mkdtempSync(join(tmpdir(), 'contractor-pg-'));
  const as = owner();
  if (as) chownSync(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const prefix = as?.prefix ?? [];
  // Trust on a socket only its owner and root can reach (the directory is 0700): no password to keep.
  run([
    ...prefix,
    join(BIN, 'initdb'),
    '-D',
    data,
    '-U',
    'contractor',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  let log = '';
  const [cmd, ...args] = [
    ...prefix,
    join(BIN, 'postgres'),
    '-D',
    data,
    '-k',
    dir,
    '-p',
    String(PORT),
    '-c',
    'listen_addresses=',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
  ];
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  await ready(dir, child, () => log);
  psql(dir, 'CREATE DATABASE contractor');
  const urlOf = (db: string) =>
    `postgresql://contractor@/${db}?host=${encodeURIComponent(dir)}&port=${PORT}`;
  return {
    url: urlOf('contractor'),
    database: (name) => {
      psql(dir, `CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGINT'); // fast shutdown: disconnects clients, no checkpoint wait
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
