// The vm tier's capture reader on hostile captures: split records, a cut tail, a wrong header.
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { PcapStream, type CapturedFrame } from '../../src/worker/vm/pcap-stream.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('contractor-pcap-');
let n = 0;

function header(magic = 0xa1b2c3d4): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(magic, 0);
  return h;
}

function record(seconds: number, frame: Buffer): Buffer {
  const r = Buffer.alloc(16);
  r.writeUInt32LE(seconds, 0);
  r.writeUInt32LE(500_000, 4);
  r.writeUInt32LE(frame.length, 8);
  r.writeUInt32LE(frame.length, 12);
  return Buffer.concat([r, frame]);
}

function capture(): { path: string; frames: CapturedFrame[]; stream: PcapStream } {
  const path = join(dir.path, `c${n++}.pcap`);
  const frames: CapturedFrame[] = [];
  return {
    path,
    frames,
    stream: new PcapStream(path, (f) => frames.push({ ...f, frame: Buffer.from(f.frame) })),
  };
}

test('reads records as the file grows, a record split across polls included', async () => {
  const c = capture();
  await c.stream.poll(); // not made yet: nothing, no error
  const one = record(1, Buffer.from('first frame'));
  const two = record(2, Buffer.from('second frame'));
  writeFileSync(c.path, Buffer.concat([header(), one, two.subarray(0, 20)]));
  await c.stream.poll();
  assert.deepEqual(
    c.frames.map((f) => f.frame.toString()),
    ['first frame'],
  );
  appendFileSync(c.path, two.subarray(20));
  await c.stream.finish();
  assert.deepEqual(
    c.frames.map((f) => [f.at, f.frame.toString()]),
    [
      [1500, 'first frame'],
      [2500, 'second frame'],
    ],
  );
  assert.equal(c.stream.bytes, 24 + one.length + two.length);
});

test('a capture cut in the middle of a record is an error, not an empty capture', async () => {
  const c = capture();
  writeFileSync(
    c.path,
    Buffer.concat([header(), record(1, Buffer.from('x'.repeat(60))).subarray(0, 40)]),
  );
  await assert.rejects(c.stream.finish(), /ends in the middle of a record/);
});

test('a missing capture, a wrong header and an oversized record are errors', async () => {
  const missing = capture();
  await assert.rejects(missing.stream.finish(), /holds no pcap header/);
  const foreign = capture();
  writeFileSync(foreign.path, Buffer.concat([header(0x0a0d0d0a), Buffer.alloc(64)]));
  await assert.rejects(foreign.stream.finish(), /is not a pcap capture/);
  const huge = capture();
  writeFileSync(huge.path, Buffer.concat([header(), record(1, Buffer.alloc(4096))]));
  await assert.rejects(huge.stream.finish(), /holds a 4096-byte record/);
});

test.after(() => dir.remove());
test.run();
