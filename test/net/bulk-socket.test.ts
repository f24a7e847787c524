// BulkReadSocket, the stream node's HTTP client parses a forwarded response from: the socket's
// large reads in order, held back when its reader is, and kept when the socket closes first.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { test } from 'uvu';
import { BulkReadSocket } from '../../src/net/bulk-socket.js';
import { bulkPair } from '../helpers/bulk-pair.js';

const MiB = 1024 * 1024;

/** A loopback connection whose client end the tested stream reads. */
async function pair(serve: (s: Socket) => void) {
  const p = await bulkPair(serve);
  return { socket: p.socket, stream: new BulkReadSocket(p.socket, p.reads), close: p.close };
}

const readAll = (s: BulkReadSocket): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.once('end', () => resolve(Buffer.concat(got)));
    s.once('error', reject);
  });

test('what the socket read before it closed is all delivered to a reader that comes later', async () => {
  // Under the stream's high-water mark, so the socket is never paused: it reads the end and closes
  // while every byte still waits in the stream for a reader.
  const sent = randomBytes(8 * 1024);
  const p = await pair((s) => s.end(sent));
  p.stream.pause();
  await new Promise((r) => p.socket.once('close', r));
  assert.equal(p.stream.destroyed, false);
  const got = await readAll(p.stream.resume());
  p.close();
  assert.ok(got.equals(sent), `got ${got.length} of ${sent.length} bytes`);
});

test('a reader that holds back pauses the socket, and then gets every byte in order', async () => {
  const sent = randomBytes(24 * MiB);
  const p = await pair((s) => s.end(sent));
  p.stream.pause();
  await new Promise((r) => setTimeout(r, 300));
  // Held: a read or two in memory, the rest waiting in the kernel and the sender.
  assert.ok(p.socket.bytesRead <= 4 * MiB, `read ${p.socket.bytesRead} bytes while held`);
  const got = await readAll(p.stream.resume());
  p.close();
  assert.ok(got.equals(sent));
});

test('a reset before the end destroys the stream with the error', async () => {
  const p = await pair((s) => {
    s.write(randomBytes(1024));
    setTimeout(() => s.resetAndDestroy(), 50);
  });
  const failed = await readAll(p.stream).then(
    () => undefined,
    (e: Error) => e,
  );
  p.close();
  assert.ok(failed, 'the stream ended as if complete');
  assert.equal(p.stream.destroyed, true);
});

test('setTimeout reports silence as timeout; writes and end reach the peer', async () => {
  let heard = '';
  const p = await pair((s) => s.on('data', (c: Buffer) => (heard += c.toString())));
  p.stream.write('hello ');
  await new Promise<void>((r) => p.stream.setTimeout(100, r));
  p.stream.end('there');
  await new Promise((r) => p.socket.once('close', r));
  assert.equal(heard, 'hello there');
  p.close();
});

test.run();
