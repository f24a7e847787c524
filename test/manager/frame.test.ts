import assert from 'node:assert/strict';
import { test } from 'uvu';
import {
  encodeControl,
  encodeFrame,
  FRAME_DATA,
  readFrames,
  type Frame,
} from '../../src/manager/remote/frame.js';

async function collect(chunks: Buffer[], caps?: { controlBytes: number; dataBytes: number }) {
  const frames: Frame[] = [];
  for await (const f of readFrames(chunks, caps)) frames.push(f);
  return frames;
}

function splitEvery(buf: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += n) out.push(buf.subarray(i, i + n));
  return out;
}

test('reads control and data frames back whatever the chunk boundaries', async () => {
  const data = Buffer.from([0, 1, 2, 255, 254]);
  const wire = Buffer.concat([
    encodeControl({ type: 'hello', protocol: 1 }),
    encodeFrame(FRAME_DATA, data),
    encodeControl({ type: 'source-end', text: 'é' }),
  ]);
  for (const size of [1, 2, 3, 7, wire.length]) {
    const frames = await collect(splitEvery(wire, size));
    assert.deepEqual(frames, [
      { kind: 'control', value: { type: 'hello', protocol: 1 } },
      { kind: 'data', bytes: data },
      { kind: 'control', value: { type: 'source-end', text: 'é' } },
    ]);
  }
});

test('refuses an oversized frame from its header, before the body arrives', async () => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(64 * 1024 ** 2 + 1, 0);
  header[4] = FRAME_DATA;
  await assert.rejects(collect([header]), /data frame of 67108864 bytes \(at most 1048576\)/);
});

test('refuses a frame of an unknown kind', async () => {
  await assert.rejects(collect([encodeFrame(9, Buffer.from('x'))]), /unknown kind 9/);
});

test('refuses a control frame that is not JSON', async () => {
  await assert.rejects(collect([encodeFrame(1, Buffer.from('{nope'))]), /not JSON/);
});

test('refuses a stream that ends inside a frame', async () => {
  const wire = encodeControl({ type: 'hello' });
  await assert.rejects(collect([wire.subarray(0, wire.length - 1)]), /ended inside a frame/);
});

test('refuses a zero-length frame', async () => {
  await assert.rejects(collect([Buffer.alloc(5)]), /no kind byte/);
});

test.run();
