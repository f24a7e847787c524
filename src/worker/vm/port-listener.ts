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
