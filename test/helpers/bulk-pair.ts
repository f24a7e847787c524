// A loopback connection whose client end is read by a bulk reader, for the bulk-read tests.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { bulkReader } from '../../src/net/bulk-reader.js';

const MiB = 1024 * 1024;

/** A server that runs `serve` on its one connection; the client end is read in `readBytes` pieces. */
export async function bulkPair(serve: (s: Socket) => void, readBytes = MiB) {
  const server: Server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const reads = bulkReader(readBytes);
  const socket = connect({
    host: '127.0.0.1',
    port: (server.address() as { port: number }).port,
    onread: reads.onread,
  });
  await new Promise((r) => socket.once('connect', r));
  return { reads, socket, close: () => new Promise((r) => server.close(r)) };
}
