// The tunnel's large reads: every byte, in order, whatever sizes the sender writes and however the
// reader is held back; bytes that come before anyone takes them wait, paused, and are not lost.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { test } from 'uvu';
import { bulkPair } from '../helpers/bulk-pair.js';

const MiB = 1024 * 1024;

test('bytes that arrive before a sink subscribes are held, paused, and delivered first', async () => {
  const sent = randomBytes(3 * MiB);
  const p = await bulkPair((s) => s.end(sent));
  await new Promise((r) => setTimeout(r, 200)); // everything the kernel lets through has arrived
  // Paused after the first read: the rest waits in the kernel, not in our memory.
  assert.ok(p.socket.bytesRead <= MiB, `read ${p.socket.bytesRead} bytes with no one to take them`);
  const got: Buffer[] = [];
  const ended = new Promise((r) => p.socket.once('end', r));
  p.reads.subscribe(p.socket, (c) => got.push(c));
  await ended;
  p.socket.destroy();
  await p.close();
  assert.ok(Buffer.concat(got).equals(sent));
});

test('a random stream in random write sizes arrives intact, read in large pieces, through pauses', async () => {
  const sent = createHash('sha256');
  let size = 0;
  const p = await bulkPair((s) => {
    let left = 48 * MiB;
    const more = (): void => {
      while (left > 0) {
        // From a few bytes to 2 MiB: small reads are copied out, large ones handed on.
        const n = Math.min(left, 1 + Math.floor(Math.random() ** 3 * 2 * MiB));
        const chunk = randomBytes(n);
        sent.update(chunk);
        left -= n;
        if (!s.write(chunk)) return void s.once('drain', more);
      }
      s.end();
    };
    more();
  });
  const got = createHash('sha256');
  let largest = 0;
  let reads = 0;
  const ended = new Promise((r) => p.socket.once('end', r));
  // Kept, as a socket's write queue keeps them, and hashed only at the end: a buffer reused
  // under a chunk still held would show here.
  const held: Buffer[] = [];
  p.reads.subscribe(p.socket, (c) => {
    held.push(c);
    size += c.length;
    reads++;
    largest = Math.max(largest, c.length);
    // A slow sink now and then: the reader must pause and resume without losing a read.
    if (reads % 7 === 0) {
      p.socket.pause();
      setTimeout(() => p.socket.resume(), 2);
    }
  });
  await ended;
  p.socket.destroy();
  await p.close();
  for (const c of held) got.update(c);
  assert.equal(size, 48 * MiB);
  assert.equal(got.digest('hex'), sent.digest('hex'));
  assert.ok(largest > 64 * 1024, `the largest read was ${largest} bytes`);
  assert.ok(largest <= MiB);
});

test('reads grow while a transfer fills them, and an idle tunnel is back to a small buffer', async () => {
  let serverSide: Socket | undefined;
  const p = await bulkPair((s) => {
    serverSide = s;
    s.write(randomBytes(16 * MiB));
  });
  let size = 0;
  let grown = 0;
  p.reads.subscribe(p.socket, (c) => {
    size += c.length;
    grown = Math.max(grown, p.reads.nextReadBytes);
  });
  while (size < 16 * MiB) await new Promise((r) => setTimeout(r, 10));
  serverSide?.write('bye\n');
  while (size < 16 * MiB + 4) await new Promise((r) => setTimeout(r, 10));
  p.socket.destroy();
  await p.close();
  assert.equal(grown, MiB, 'a fast transfer reads a MiB at a time');
  assert.equal(p.reads.nextReadBytes, 64 * 1024, 'what an idle tunnel keeps');
});

test('reads never exceed the size asked for', async () => {
  const p = await bulkPair((s) => s.end(randomBytes(4 * MiB)), 96 * 1024);
  let largest = 0;
  let size = 0;
  const ended = new Promise((r) => p.socket.once('end', r));
  p.reads.subscribe(p.socket, (c) => ((largest = Math.max(largest, c.length)), (size += c.length)));
  await ended;
  p.socket.destroy();
  await p.close();
  assert.equal(size, 4 * MiB);
  assert.ok(largest <= 96 * 1024, `a read of ${largest} bytes`);
});

test.run();
