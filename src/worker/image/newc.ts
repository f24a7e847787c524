// The initramfs format (cpio "newc"): a header of hex fields per entry, 4-byte aligned, then TRAILER!!!.

export interface CpioEntry {
  path: string;
  mode: number;
  data?: Buffer;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export const dir = (path: string): CpioEntry => ({ path, mode: S_IFDIR | 0o755 });
export const file = (path: string, data: Buffer, perm = 0o644): CpioEntry => ({
  path,
  mode: S_IFREG | perm,
  data,
});

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function header(e: CpioEntry, ino: number): Buffer {
  const name = Buffer.from(e.path + '\0');
  const size = e.data?.length ?? 0;
  const nlink = e.mode & S_IFDIR ? 2 : 1;
  const fields = [ino, e.mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, name.length, 0];
  const hex = fields.map((f) => f.toString(16).padStart(8, '0')).join('');
  const head = Buffer.concat([Buffer.from('070701' + hex), name]);
  return Buffer.concat([head, pad4(head.length)]);
}

export function newcArchive(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    parts.push(header(e, i + 1));
    if (e.data) parts.push(e.data, pad4(e.data.length));
  });
  parts.push(header({ path: 'TRAILER!!!', mode: 0 }, 0));
  return Buffer.concat(parts);
}
