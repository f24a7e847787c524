// The last part of a log for the report page, from a line's start, with the number log.txt gives that line.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LogView } from './report-page.js';

async function newlinesBefore(file: string, end: number): Promise<number> {
  if (end <= 0) return 0;
  let count = 0;
  for await (const chunk of createReadStream(file, { end: end - 1 }))
    for (const byte of chunk as Buffer) if (byte === 0x0a) count++;
  return count;
}

export async function logPageTail(file: string, maxBytes: number): Promise<LogView> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return { text: '', firstLine: 1, cutBytes: 0 };
  let buf: Buffer;
  let start: number;
  try {
    const { size } = await fh.stat();
    start = Math.max(0, size - maxBytes);
    buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
  } finally {
    await fh.close();
  }
  if (start > 0) {
    // Shown from the next whole line, so numbers and colours start where a line does.
    const nl = buf.indexOf(0x0a);
    const skip = nl < 0 ? buf.length : nl + 1;
    start += skip;
    buf = buf.subarray(skip);
  }
  const firstLine = (await newlinesBefore(file, start)) + 1;
  return { text: buf.toString('utf8'), firstLine, cutBytes: start };
}
