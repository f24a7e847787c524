// The manager's side of an upload (the source, or the saved workspace before it): data frames into
// a tar stream, with the size capped and the digest checked against the client's closing frame.
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ContractorError } from '../../errors.js';
import type { Frame } from './frame.js';
import { nextFrameWithin } from './next-frame.js';
import { parseClientFrame, type StreamEndFrame } from './job-frame.js';
import { writeDrained } from './write-drained.js';

/** What arrived: counted and hashed here, as the bytes passed, whatever the client claims of them. */
export interface ReceivedUpload {
  bytes: number;
  sha256: string;
}

/** How long a client may send nothing mid-upload before it is dropped. */
export const DEFAULT_STALL_MS = 60_000;

/** A job that stops reading its source early (it failed, or needed no more) only stops the
 * writing: the frames are still read, counted and checked to the end. */
export async function receiveUpload(
  frames: AsyncIterator<Frame>,
  sink: Writable,
  capBytes: number,
  end: StreamEndFrame['type'],
  stallMs = DEFAULT_STALL_MS,
  /** Sees each chunk as it passes (the source's git tree is computed so), never a copy on disk. */
  observe?: (bytes: Buffer) => void,
): Promise<ReceivedUpload> {
  const what = end === 'source-end' ? 'the source' : 'the workspace';
  const hash = createHash('sha256');
  let bytes = 0;
  // The last chunk is held back until the end is known, so the tar's end-of-archive and the
  // stream's end reach the unpacker together: tar stops reading at its end marker, and a stream
  // still open after that fails the unpack as a premature close.
  let held: Buffer | undefined;
  for (;;) {
    const { value: frame, done } = await nextFrameWithin(frames, stallMs, `sending ${what}`);
    if (done)
      throw new ContractorError('PROTOCOL', `the client closed the channel while sending ${what}`);
    if (frame.kind === 'data') {
      bytes += frame.bytes.length;
      // HardDiskLimit: a client cannot fill the manager's disk with an endless source.
      if (bytes > capBytes)
        throw new ContractorError(
          'PROTOCOL',
          `${what} is larger than this manager's disk limit of ${capBytes} bytes`,
        );
      hash.update(frame.bytes);
      observe?.(frame.bytes);
      if (held && !sink.destroyed) await writeDrained(sink, held).catch(() => undefined);
      held = frame.bytes;
      continue;
    }
    const closing = parseClientFrame(frame.value);
    if (closing.type !== end)
      throw new ContractorError('PROTOCOL', `expected ${what}, got a ${closing.type} frame`);
    const sha256 = hash.digest('hex');
    if (closing.bytes !== bytes || closing.sha256 !== sha256)
      throw new ContractorError(
        'PROTOCOL',
        `${what} arrived damaged: ${bytes} bytes with sha256 ${sha256}, the client sent ${closing.bytes} bytes with ${closing.sha256}`,
      );
    if (!sink.destroyed) sink.end(held);
    return { bytes, sha256 };
  }
}
