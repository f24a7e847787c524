// The git tree of a source archive, computed as its bytes pass to the worker: what a manager signs
// as the source it built, never the client's claim. It reads only what `git archive` writes (ustar
// headers, pax path and linkpath records, files, links, directories) and reads it as the worker's
// `tar -x --ignore-zeros` does, zero blocks skipped to the stream's end; anything else leaves the
// tree uncomputed rather than computed from a reading the worker does not share.
import { BlobHash, GitTreeBuilder, type ObjectFormat } from './git-tree.js';

const BLOCK = 512;

/** The tree of what arrived, or why none could be computed from it. */
export type SourceTree = { gitTree: string } | { notComputed: string };

interface Header {
  path: string;
  type: string;
  mode: number;
  size: number;
  linkpath: string;
}

class Uncomputable extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ArchiveTree {
  private readonly tree: GitTreeBuilder;
  private pending = Buffer.alloc(0);
  private failure: string | undefined;
  /** The entry whose body is being read, and how many of its bytes (padding included) are left. */
  private body: { header: Header; blob?: BlobHash; pax?: Buffer[]; left: number } | undefined;
  /** A pax extended header's path and linkpath, for the entry after it. */
  private extended: Partial<Pick<Header, 'path' | 'linkpath'>> = {};

  /** under: the directory every entry is beneath (src), or none for a tree at the root. */
  constructor(
    format: ObjectFormat,
    private readonly under?: string,
  ) {
    this.tree = new GitTreeBuilder(format);
  }

  write(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    try {
      this.consume(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  end(): SourceTree {
    if (this.failure === undefined && this.body)
      this.failure = `the archive ends inside ${this.body.header.path || 'an extended header'}`;
    if (this.failure === undefined && this.pending.some((b) => b !== 0))
      this.failure = 'the archive ends in a partial block';
    if (this.failure !== undefined) return { notComputed: this.failure };
    try {
      return { gitTree: this.tree.write() };
    } catch (err) {
      return { notComputed: (err as Error).message };
    }
  }

  private fail(err: unknown): void {
    this.failure = (err as Error).message;
    this.pending = Buffer.alloc(0);
    this.body = undefined;
  }

  private consume(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.body) {
        const take = Math.min(this.body.left, data.length);
        this.bodyBytes(data.subarray(0, take));
        data = data.subarray(take);
        if (this.body.left > 0) break;
        this.endBody();
        continue;
      }
      if (data.length < BLOCK) break;
      this.headerBlock(data.subarray(0, BLOCK));
      data = data.subarray(BLOCK);
    }
    this.pending = Buffer.from(data);
  }

  private bodyBytes(bytes: Buffer): void {
    const body = this.body as NonNullable<ArchiveTree['body']>;
    const content = Math.max(0, body.header.size - (padded(body.header.size) - body.left));
    const used = bytes.subarray(0, Math.min(content, bytes.length));
    body.left -= bytes.length;
    body.blob?.update(used);
    body.pax?.push(used);
  }

  private endBody(): void {
    const { header, blob, pax } = this.body as NonNullable<ArchiveTree['body']>;
    this.body = undefined;
    if (pax) return this.paxRecords(header.type, Buffer.concat(pax));
    const oid = blob?.digest();
    if (!oid) throw new Uncomputable(`${header.path} is shorter than its header says`);
    this.tree.addBlob(this.pathOf(header.path), fileMode(header.mode), oid);
  }

  private headerBlock(block: Buffer): void {
    // TarIgnoreZeros: the worker's tar skips zero blocks wherever they are, and reads on.
    if (block.every((b) => b === 0)) return;
    const header = { ...parseHeader(block), ...this.extended };
    this.extended = {};
    const left = padded(header.size);
    if (left > 0 && (header.type === '2' || header.type === '5'))
      throw new Uncomputable(`${header.path} is a link or directory with a body`);
    switch (header.type) {
      case 'x':
      case 'g':
        this.body = { header, pax: [], left };
        return;
      case '0':
        this.body = { header, blob: new BlobHash(this.tree.format, header.size), left };
        if (left === 0) this.endBody();
        return;
      case '2':
        return this.symlink(header);
      case '5':
        return this.tree.addDirectory(this.pathOf(header.path));
      default:
        throw new Uncomputable(
          `${header.path} is a tar entry of type ${JSON.stringify(header.type)}, which git archive does not write`,
        );
    }
  }

  private symlink(header: Header): void {
    const blob = new BlobHash(this.tree.format, Buffer.byteLength(header.linkpath));
    blob.update(Buffer.from(header.linkpath));
    this.tree.addBlob(this.pathOf(header.path), '120000', blob.digest() as Buffer);
  }

  // git archive writes only a global comment (the commit id: the client's claim, not read) and
  // a path or linkpath too long for the ustar header.
  private paxRecords(type: string, body: Buffer): void {
    for (const [key, value] of parsePax(body)) {
      if (type === 'g' && key === 'comment') continue;
      if (type === 'x' && (key === 'path' || key === 'linkpath')) {
        this.extended[key] = value;
        continue;
      }
      throw new Uncomputable(
        `the archive has a pax ${type === 'g' ? 'global ' : ''}header ${JSON.stringify(key)}, which git archive does not write`,
      );
    }
  }

  /** The path's components beneath the archive's root; only the root itself has none. */
  private pathOf(raw: string): string[] {
    const parts = raw.replace(/\/$/, '').split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..'))
      throw new Uncomputable(`${JSON.stringify(raw)} is not a path git archive writes`);
    if (this.under === undefined) return parts;
    if (parts[0] !== this.under)
      throw new Uncomputable(`${JSON.stringify(raw)} is outside ${this.under}/`);
    return parts.slice(1);
  }
}

function parseHeader(block: Buffer): Header {
  if (block.subarray(257, 265).toString('latin1') !== 'ustar\x0000')
    throw new Uncomputable('the archive has a header that is not ustar, as git archive writes');
  if (octal(block, 148, 8, 'checksum') !== checksum(block))
    throw new Uncomputable('the archive has a header with a wrong checksum');
  const name = text(block, 0, 100);
  const prefix = text(block, 345, 155);
  return {
    path: prefix ? `${prefix}/${name}` : name,
    type: block.subarray(156, 157).toString('latin1'),
    mode: octal(block, 100, 8, 'mode'),
    size: octal(block, 124, 12, 'size'),
    linkpath: text(block, 157, 100),
  };
}

// The unsigned sum of the header's bytes with its checksum field read as spaces.
function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum;
}

function octal(block: Buffer, at: number, length: number, what: string): number {
  const field = block.subarray(at, at + length).toString('latin1');
  const digits = field.replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]{1,12}$/.test(digits))
    throw new Uncomputable(`the archive has a header whose ${what} is not octal`);
  return parseInt(digits, 8);
}

/** A NUL-terminated name; a name that is not UTF-8 cannot be told apart once decoded. */
function text(block: Buffer, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return decode(end === -1 ? field : field.subarray(0, end));
}

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Uncomputable('the archive has a name that is not UTF-8');
  }
}

// Records are `LEN KEY=VALUE\n`, LEN counting the whole record.
function parsePax(body: Buffer): [string, string][] {
  const records: [string, string][] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = Number(body.subarray(at, space).toString('latin1'));
    const record = body.subarray(space + 1, at + length);
    const eq = record.indexOf(0x3d);
    if (
      space < 0 ||
      !Number.isInteger(length) ||
      length <= 0 ||
      eq < 0 ||
      at + length > body.length
    )
      throw new Uncomputable('the archive has a malformed pax header');
    if (record[record.length - 1] !== 0x0a)
      throw new Uncomputable('the archive has a malformed pax header');
    records.push([decode(record.subarray(0, eq)), decode(record.subarray(eq + 1, -1))]);
    at += length;
  }
  return records;
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

// Git keeps one bit of a file's mode: the owner's execute bit.
function fileMode(mode: number): '100644' | '100755' {
  return mode & 0o100 ? '100755' : '100644';
}
