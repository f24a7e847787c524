// Connects to the addresses route.ts checked, in order, and to nothing else: no second lookup.
import { connect, type OnReadOpts, type Socket } from 'node:net';
import { EgressRefusal } from './egress-errors.js';

/** Opens a socket to address:port; with onread, the socket must be made with it (net.connect's option). */
export type Dialler = (address: string, port: number, onread?: OnReadOpts) => Socket;

export const dialTcp: Dialler = (address, port, onread) =>
  connect({ host: address, port, ...(onread ? { onread } : {}) });

function dialOne(
  dial: Dialler,
  address: string,
  port: number,
  timeoutMs: number,
  onread: OnReadOpts | undefined,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = dial(address, port, onread);
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer in ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** The first address that accepts; a 502-kind refusal naming the last failure when none does. */
export async function dialFirst(
  dial: Dialler,
  addresses: string[],
  port: number,
  timeoutMs: number,
  onread?: OnReadOpts,
): Promise<Socket> {
  let last: unknown;
  for (const address of addresses) {
    try {
      return await dialOne(dial, address, port, timeoutMs, onread);
    } catch (err) {
      last = err;
    }
  }
  throw new EgressRefusal(
    'upstream',
    `cannot connect to port ${port}: ${(last as Error)?.message ?? 'no address'}`,
    {
      cause: last,
    },
  );
}
