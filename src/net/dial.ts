// Connects to the addresses route.ts checked, in order, and to nothing else: no second lookup.
import { connect, type Socket } from 'node:net';
import { EgressRefusal } from './egress-errors.js';

export type Dialler = (address: string, port: number) => Socket;

export const dialTcp: Dialler = (address, port) => connect({ host: address, port });

function dialOne(dial: Dialler, address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = dial(address, port);
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
): Promise<Socket> {
  let last: unknown;
  for (const address of addresses) {
    try {
      return await dialOne(dial, address, port, timeoutMs);
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
