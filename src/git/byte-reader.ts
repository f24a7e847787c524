// Reads a stream a line, or an exact count of bytes, at a time: a conversation with a process.
import type { Readable } from 'node:stream';

export class ByteReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private buffered: Buffer = Buffer.alloc(0);

  constructor(stream: Readable) {
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  private async more(): Promise<void> {
    const { value, done } = await this.chunks.next();
    if (done) throw new Error('the stream ended early');
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, value]) : value;
  }

  /** The next line, without its line feed. */
  async line(): Promise<string> {
    let eol: number;
    while ((eol = this.buffered.indexOf(0x0a)) < 0) await this.more();
    const line = this.buffered.subarray(0, eol).toString('utf8');
    this.buffered = this.buffered.subarray(eol + 1);
    return line;
  }

  async bytes(count: number): Promise<Buffer> {
    while (this.buffered.length < count) await this.more();
    const bytes = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    return bytes;
  }
}
