// Which of the build's processes holds a connection to its proxy: the socket's inode from the
// job's network namespace (/proc/HOLDER/net/tcp), then the process whose descriptor is that inode.
import { readdir, readFile, readlink } from 'node:fs/promises';

/** A command line is the build's to choose: enough to recognise, too little to flood a report. */
const MAX_COMMAND = 200;
/** A lookup that takes longer names nobody rather than hold up the answer to the build. */
const LOOKUP_MS = 2000;

const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
const LOOPBACK_V4 = '0100007F';

/** The inode of the TCP socket 127.0.0.1:clientPort → 127.0.0.1:proxyPort, as the namespace's table lists it. */
async function clientInode(
  holderPid: number,
  clientPort: number,
  proxyPort: number,
): Promise<string | undefined> {
  const table = await readFile(`/proc/${holderPid}/net/tcp`, 'utf8');
  const local = `${LOOPBACK_V4}:${hexPort(clientPort)}`;
  const remote = `${LOOPBACK_V4}:${hexPort(proxyPort)}`;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Inode 0: a socket no process holds any more (closed, in TIME_WAIT).
    if (f[1] === local && f[2] === remote && f[9] && f[9] !== '0') return f[9];
  }
  return undefined;
}

async function parentOf(pid: string): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
}

/** Host pids of the holder's descendants: the build's processes, in bwrap's nested pid namespace too. */
async function descendants(holderPid: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const children = new Map<number, number[]>();
  await Promise.all(
    pids.map(async (p) => {
      const parent = await parentOf(p);
      children.set(parent, [...(children.get(parent) ?? []), Number(p)]);
    }),
  );
  const found: number[] = [];
  for (let queue = [...(children.get(holderPid) ?? [])], p = queue.pop(); p; p = queue.pop()) {
    found.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return found;
}

async function holds(pid: number, link: string): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  for (const fd of fds)
    if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === link) return true;
  return false;
}

/** "pid N: command line", N as the sandbox numbers it; the command as the process itself reports it. */
async function describe(pid: number): Promise<string> {
  const [cmdline, status] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  const inner = /^NSpid:.*?(\d+)\s*$/m.exec(status)?.[1] ?? String(pid);
  let command = cmdline
    .replace(/\0+$/, '')
    .replace(/\0/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '?');
  if (command.length > MAX_COMMAND) command = `${command.slice(0, MAX_COMMAND)}…`;
  return `pid ${inner}: ${command || '(no command line)'}`;
}

async function lookup(
  holderPid: number,
  clientPort: number,
  proxyPort: number,
): Promise<string | undefined> {
  const inode = await clientInode(holderPid, clientPort, proxyPort);
  if (!inode) return undefined;
  const link = `socket:[${inode}]`;
  const owners: number[] = [];
  for (const pid of await descendants(holderPid)) if (await holds(pid, link)) owners.push(pid);
  if (owners.length === 0) return undefined;
  const named = await Promise.all(
    owners.slice(0, 3).map((p) => describe(p).catch(() => `pid ${p}`)),
  );
  return named.join('; ') + (owners.length > 3 ? `; and ${owners.length - 3} more` : '');
}

/** Lookups of one job at once: a build sending refused requests in a loop cannot make the manager scan /proc without end. */
const MAX_IN_FLIGHT = 2;

/** Finds who holds each proxy connection of one job; `holderPid` is read when a lookup starts. */
export class SocketOwners {
  private inFlight = 0;

  constructor(
    private readonly holderPid: () => number,
    private readonly proxyPort: number,
  ) {}

  /**
   * The process holding the client end of a proxy connection, or undefined when it cannot be told
   * (it has exited, /proc is unreadable, too many lookups at once, too slow): never a guess.
   */
  async find(clientPort: number | undefined): Promise<string | undefined> {
    const holderPid = this.holderPid();
    if (!holderPid || !clientPort || this.inFlight >= MAX_IN_FLIGHT) return undefined;
    this.inFlight += 1;
    const search = lookup(holderPid, clientPort, this.proxyPort)
      .catch(() => undefined)
      // Counted until the scan itself ends, not when we stop waiting for it.
      .finally(() => (this.inFlight -= 1));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), LOOKUP_MS);
    });
    try {
      return await Promise.race([search, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
