// The client's first bytes on a tunnel, read just far enough to judge them as a ClientHello or not.
import type { Socket } from 'node:net';
import { readClientHello, type ClientHelloReading } from './sni.js';

export interface FirstFlight {
  /** Everything read so far, to be forwarded if the reading passes. */
  data: Buffer;
  reading: ClientHelloReading;
}

/** Resolves once the bytes can be judged, with the socket paused; undefined if the client leaves first. */
export function readFirstFlight(client: Socket, head: Buffer): Promise<FirstFlight | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = head.length ? [head] : [];
    let have = head.length;
    let need = 1;
    const stop = (result: FirstFlight | undefined): void => {
      client.off('data', onData);
      client.off('end', onGone);
      client.off('close', onGone);
      client.pause();
      resolve(result);
    };
    const judge = (): void => {
      // sni.ts says how many bytes it needs next, so a client dripping bytes costs us one parse per record.
      if (have < need) return;
      const data = Buffer.concat(chunks, have);
      const reading = readClientHello(data);
      if (reading.kind === 'incomplete') {
        need = reading.need;
        chunks.splice(0, chunks.length, data);
        return;
      }
      stop({ data, reading });
    };
    function onData(chunk: Buffer): void {
      chunks.push(chunk);
      have += chunk.length;
      judge();
    }
    function onGone(): void {
      stop(undefined);
    }
    client.on('data', onData);
    client.once('end', onGone);
    client.once('close', onGone);
    judge();
    client.resume();
  });
}
