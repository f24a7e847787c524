// QEMU's machine protocol, just enough to save a running guest to a file: migrate, wait, quit.
import { connect } from 'node:net';

type QmpReply = { return?: { status?: string; 'error-desc'?: string }; error?: { desc: string } };

/** Live migration to a file: the guest is idle, so it converges at once and is saved as running. */
export async function saveOverQmp(socketPath: string, file: string): Promise<void> {
  const sock = connect(socketPath);
  let waiting: ((r: QmpReply) => void) | undefined;
  let buf = '';
  sock.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as QmpReply & { event?: string; QMP?: unknown };
      buf = buf.slice(nl + 1);
      if (!('return' in msg) && !('error' in msg)) continue;
      waiting?.(msg);
    }
  });
  let failed: ((err: Error) => void) | undefined;
  sock.on('error', (err) => failed?.(err));
  const command = (execute: string, args?: object): Promise<QmpReply> =>
    new Promise((resolve, reject) => {
      failed = reject;
      waiting = (r) => {
        waiting = undefined;
        if (r.error) reject(new Error(`${execute}: ${r.error.desc}`));
        else resolve(r);
      };
      sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    });
  try {
    await command('qmp_capabilities');
    // The monitor's exec: runs through /bin/sh; the path is the operator's, quoted all the same.
    await command('migrate', { uri: `exec:cat > '${file.replace(/'/g, `'\\''`)}'` });
    for (;;) {
      const r = await command('query-migrate');
      const status = r.return?.status;
      if (status === 'completed') break;
      if (status === 'failed' || status === 'cancelled')
        throw new Error(`migration ${status}: ${r.return?.['error-desc'] ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await command('quit').catch(() => undefined);
  } finally {
    sock.destroy();
  }
}
