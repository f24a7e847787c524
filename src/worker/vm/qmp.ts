// QEMU's machine protocol, just enough to save a running guest to a file and to load one back.
import { connect, type Socket } from 'node:net';

type QmpReply = { return?: { status?: string; 'error-desc'?: string }; error?: { desc: string } };

/**
 * VmSnapshot: guest RAM lives in a file mapping that QEMU skips when it migrates (x-ignore-shared),
 * so the saved state is only the devices' and a restore maps the RAM instead of reading it.
 */
const IGNORE_SHARED = { capabilities: [{ capability: 'x-ignore-shared', state: true }] };

/** The monitor's exec: runs through /bin/sh; the path is the operator's, quoted all the same. */
function catUri(direction: '>' | '<', file: string): string {
  return `exec:cat ${direction === '>' ? '> ' : ''}'${file.replace(/'/g, `'\\''`)}'`;
}

class Qmp {
  private waiting: ((r: QmpReply) => void) | undefined;
  private failed: ((err: Error) => void) | undefined;
  private buf = '';

  private constructor(private readonly sock: Socket) {
    sock.on('data', (c: Buffer) => this.onData(c));
    sock.on('error', (err) => this.failed?.(err));
  }

  /** QEMU creates its monitor socket as it starts: connects are retried until then. */
  static async open(socketPath: string, timeoutMs = 30_000): Promise<Qmp> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const sock = connect(socketPath);
      const ok = await new Promise<boolean>((resolve) => {
        sock.once('connect', () => resolve(true));
        sock.once('error', () => resolve(false));
      });
      if (ok) {
        const qmp = new Qmp(sock);
        await qmp.command('qmp_capabilities');
        return qmp;
      }
      sock.destroy();
      if (Date.now() > until) throw new Error(`no QEMU monitor at ${socketPath}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private onData(c: Buffer): void {
    this.buf += c.toString();
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(this.buf.slice(0, nl)) as QmpReply & { event?: string };
      this.buf = this.buf.slice(nl + 1);
      if (!('return' in msg) && !('error' in msg)) continue;
      this.waiting?.(msg);
    }
  }

  command(execute: string, args?: object): Promise<QmpReply> {
    return new Promise((resolve, reject) => {
      this.failed = reject;
      this.waiting = (r) => {
        this.waiting = undefined;
        if (r.error) reject(new Error(`${execute}: ${r.error.desc}`));
        else resolve(r);
      };
      this.sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    });
  }

  /** Polls the migration until it ends either way. */
  async migrationDone(): Promise<void> {
    for (;;) {
      const r = await this.command('query-migrate');
      const status = r.return?.status;
      if (status === 'completed') return;
      if (status === 'failed' || status === 'cancelled')
        throw new Error(`migration ${status}: ${r.return?.['error-desc'] ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Live migration to a file: the guest is idle, so it converges at once and is saved as running. */
export async function saveOverQmp(socketPath: string, file: string): Promise<void> {
  const qmp = await Qmp.open(socketPath);
  try {
    await qmp.command('migrate-set-capabilities', IGNORE_SHARED);
    await qmp.command('migrate', { uri: catUri('>', file) });
    await qmp.migrationDone();
    await qmp.command('quit').catch(() => undefined);
  } finally {
    qmp.close();
  }
}

/**
 * Loads a saved state into a QEMU started with `-incoming defer`; the guest runs on by itself once
 * the state is in.
 */
export async function restoreOverQmp(socketPath: string, file: string): Promise<void> {
  const qmp = await Qmp.open(socketPath);
  try {
    await qmp.command('migrate-set-capabilities', IGNORE_SHARED);
    await qmp.command('migrate-incoming', { uri: catUri('<', file) });
  } finally {
    qmp.close();
  }
}
