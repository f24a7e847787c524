// A private Unix socket on the host whose every connection goes to the job's egress proxy.
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { EgressPort } from '../net/egress-port.js';

export interface ProxySocket {
  path: string;
  close(): Promise<void>;
}

/** ConstrainNetworkAccess: the relay inside the worker reaches nothing but this socket. */
export async function listenProxySocket(path: string, egress: EgressPort): Promise<ProxySocket> {
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    egress.accept(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  // The sandbox's unprivileged build user must be able to connect; the directory stays private.
  await chmod(path, 0o777);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        open.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
