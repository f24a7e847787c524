// A host Unix socket that QEMU connects one chardev to; the first connection is the port.
import { createServer, type Socket } from 'node:net';

export interface PortListener {
  socket: Promise<Socket>;
  close(): void;
}

export async function listenOnce(path: string): Promise<PortListener> {
  let accepted: Socket | undefined;
  let resolveSocket: (s: Socket) => void = () => undefined;
  const socket = new Promise<Socket>((resolve) => (resolveSocket = resolve));
  const server = createServer((s) => {
    if (accepted) return void s.destroy();
    // QEMU gone with our bytes unread resets the socket: that is the port's end (its 'close'
    // follows), not an error to bring the manager down with.
    s.on('error', () => undefined);
    accepted = s;
    resolveSocket(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    socket,
    close: () => {
      accepted?.destroy();
      server.close();
    },
  };
}
