// The client's side of an upload (the source, or the saved workspace before it): the tar stream
// as data frames, then its size and digest.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DATA_CHUNK_BYTES } from './frame.js';
import type { FrameWriter } from './frame-writer.js';
import type { StreamEndFrame } from './job-frame.js';

/**
 * Never buffers more than a frame of the repository: each frame waits for the channel to drain.
 * A failure of the source itself (git archive) is thrown; a closed channel is left for the
 * reader to report.
 */
export async function sendUpload(
  writer: FrameWriter,
  source: Readable,
  end: StreamEndFrame['type'],
): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  let batch: Buffer[] = [];
  let batched = 0;
  let channelClosed = false;
  // git archive reads in 64 KiB pieces; fewer, larger frames cost both ends less per byte.
  const flush = async (): Promise<void> => {
    const frame = Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    if (frame.length) await writer.data(frame).catch(() => (channelClosed = true));
  };
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    hash.update(buf);
    bytes += buf.length;
    batch.push(buf);
    batched += buf.length;
    if (batched >= DATA_CHUNK_BYTES) await flush();
    if (channelClosed) {
      source.destroy();
      return;
    }
  }
  await flush();
  await writer.control({ type: end, bytes, sha256: hash.digest('hex') }).catch(() => undefined);
}
