// The JSON body of a request that asks to upgrade its connection: read off the socket by its length.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ContainerRefusal } from './container-refusal.js';

export function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ContainerRefusal('body', 'is not JSON', 400);
  }
}

/**
 * Node hands an upgrade request over with the bytes after its headers (`head`); the body is its
 * first Content-Length bytes, and what follows (the client's stdin) is `rest`, for the engine.
 */
export async function readUpgradeBody(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  max: number,
): Promise<{ body: Buffer; rest: Buffer }> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(length) || length < 0 || length > max)
    throw new ContainerRefusal(
      'body',
      `length ${String(req.headers['content-length'])} is not passed`,
      400,
    );
  let got = head;
  while (got.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (c: Buffer) => done(c);
      const onEnd = () => done(null);
      const done = (c: Buffer | null) => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.pause();
        resolve(c);
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.resume();
    });
    if (chunk === null) throw new ContainerRefusal('body', 'ended before its length', 400);
    got = Buffer.concat([got, chunk]);
  }
  return { body: got.subarray(0, length), rest: got.subarray(length) };
}
