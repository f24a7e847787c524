// Where a tar archive written onto a raw disk ends, found by walking its headers in user space.
import { open } from 'node:fs/promises';

const BLOCK = 512;

function entrySize(h: Buffer): number {
  const field = h.subarray(124, 136);
  // GNU base-256 for large sizes: the high bit of the first byte is set.
  if (((field[0] as number) & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < 12; i++) n = n * 256 + (field[i] as number);
    return n;
  }
  return parseInt(field.toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
}

/** The archive's length up to and including its two zero blocks, or undefined if it has no end. */
export async function tarLength(path: string, limit: number): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    const h = Buffer.alloc(BLOCK);
    let off = 0;
    while (off + BLOCK <= limit) {
      const { bytesRead } = await fh.read(h, 0, BLOCK, off);
      if (bytesRead < BLOCK) return undefined;
      if (h.every((b) => b === 0)) return Math.min(off + 2 * BLOCK, limit);
      const size = entrySize(h);
      if (!Number.isFinite(size) || size < 0) return undefined;
      off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
