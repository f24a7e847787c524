// The client's side of the source upload: the tar stream as data frames, then its size and digest.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FrameWriter } from './frame-writer.js';

/**
 * Never buffers the repository: each chunk waits for the channel to drain. A failure of the
 * source itself (git archive) is thrown; a closed channel is left for the reader to report.
 */
export async function sendSource(writer: FrameWriter, source: Readable): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  let channelClosed = false;
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    hash.update(buf);
    bytes += buf.length;
    await writer.data(buf).catch(() => (channelClosed = true));
    if (channelClosed) {
      source.destroy();
      return;
    }
  }
  await writer
    .control({ type: 'source-end', bytes, sha256: hash.digest('hex') })
    .catch(() => undefined);
}
