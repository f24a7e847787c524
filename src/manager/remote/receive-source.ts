// The manager's side of the source upload: data frames into the job's tar stream, with the
// size capped and the digest checked against the client's closing frame.
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ContractorError } from '../../errors.js';
import type { Frame } from './frame.js';
import { parseClientFrame } from './job-frame.js';
import { writeDrained } from './write-drained.js';

/** A job that stops reading its source early (it failed, or needed no more) only stops the
 * writing: the frames are still read, counted and checked to the end. */
export async function receiveSource(
  frames: AsyncIterator<Frame>,
  sink: Writable,
  capBytes: number,
): Promise<number> {
  const hash = createHash('sha256');
  let bytes = 0;
  // The last chunk is held back until the end is known, so the tar's end-of-archive and the
  // stream's end reach the unpacker together: tar stops reading at its end marker, and a stream
  // still open after that fails the unpack as a premature close.
  let held: Buffer | undefined;
  for (;;) {
    const { value: frame, done } = await frames.next();
    if (done)
      throw new ContractorError(
        'PROTOCOL',
        'the client closed the channel while sending the source',
      );
    if (frame.kind === 'data') {
      bytes += frame.bytes.length;
      // HardDiskLimit: a client cannot fill the manager's disk with an endless source.
      if (bytes > capBytes)
        throw new ContractorError(
          'PROTOCOL',
          `the source is larger than this manager's disk limit of ${capBytes} bytes`,
        );
      hash.update(frame.bytes);
      if (held && !sink.destroyed) await writeDrained(sink, held).catch(() => undefined);
      held = frame.bytes;
      continue;
    }
    const end = parseClientFrame(frame.value);
    if (end.type !== 'source-end')
      throw new ContractorError('PROTOCOL', `expected the source, got a ${end.type} frame`);
    const sha256 = hash.digest('hex');
    if (end.bytes !== bytes || end.sha256 !== sha256)
      throw new ContractorError(
        'PROTOCOL',
        `the source arrived damaged: ${bytes} bytes with sha256 ${sha256}, the client sent ${end.bytes} bytes with ${end.sha256}`,
      );
    if (!sink.destroyed) sink.end(held);
    return bytes;
  }
}
