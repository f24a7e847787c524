// QEMU's filter-dump capture, read as it grows: memory stays bounded whatever the guest sends, the
// bytes on disk are known at every poll, and a capture that ends mid-record is an error, never an
// empty "nothing happened" (a capture over 2 GiB once read as empty, and hid a direct connect).
import { open, type FileHandle } from 'node:fs/promises';
import { ContractorError } from '../../errors.js';

const HEADER = 24;
const RECORD_HEADER = 16;
/** Classic pcap, little-endian, microseconds: what filter-dump writes on x86. */
const MAGIC = 0xa1b2c3d4;
const CHUNK = 1024 * 1024;
/** The most a record may claim: filter-dump is told to keep no more than the headers. */
export const CAPTURE_SNAPLEN = 128;

export interface CapturedFrame {
  /** Milliseconds since the epoch, on the host's clock. */
  at: number;
  frame: Buffer;
}

function captureError(path: string, what: string): ContractorError {
  return new ContractorError(
    'INFRASTRUCTURE',
    `the vm's packet capture ${path} ${what}; the build's direct network attempts cannot be known, so the job cannot pass`,
  );
}

export class PcapStream {
  /** Bytes of the capture read so far: what it takes on disk. */
  bytes = 0;
  private file: FileHandle | undefined;
  private pending = Buffer.alloc(0);
  private headerSeen = false;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly onFrame: (f: CapturedFrame) => void,
  ) {}

  /** Reads what QEMU has added since the last poll; one poll at a time. */
  poll(): Promise<void> {
    this.polling ??= this.readNew().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** After QEMU has exited: the rest, and the verdict on the whole. */
  async finish(): Promise<void> {
    await this.polling;
    await this.readNew();
    await this.file?.close();
    this.file = undefined;
    if (!this.headerSeen) throw captureError(this.path, 'holds no pcap header');
    if (this.pending.length) throw captureError(this.path, 'ends in the middle of a record');
  }

  private async readNew(): Promise<void> {
    if (!this.file) {
      try {
        this.file = await open(this.path, 'r');
      } catch (err) {
        // Not yet made: QEMU opens it as it starts.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw captureError(this.path, `cannot be read (${(err as Error).message})`);
      }
    }
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await this.file.read(buf, 0, CHUNK, this.bytes);
      if (!bytesRead) return;
      this.bytes += bytesRead;
      this.feed(buf.subarray(0, bytesRead));
    }
  }

  private feed(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.headerSeen) {
      if (data.length < HEADER) return void (this.pending = Buffer.from(data));
      if (data.readUInt32LE(0) !== MAGIC) throw captureError(this.path, 'is not a pcap capture');
      this.headerSeen = true;
      data = data.subarray(HEADER);
    }
    let off = 0;
    while (off + RECORD_HEADER <= data.length) {
      const len = data.readUInt32LE(off + 8);
      if (len > CAPTURE_SNAPLEN) throw captureError(this.path, `holds a ${len}-byte record`);
      if (off + RECORD_HEADER + len > data.length) break;
      const at = data.readUInt32LE(off) * 1000 + Math.floor(data.readUInt32LE(off + 4) / 1000);
      this.onFrame({ at, frame: data.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len) });
      off += RECORD_HEADER + len;
    }
    // Copied: the read buffer is reused for the next chunk.
    this.pending = Buffer.from(data.subarray(off));
  }
}
