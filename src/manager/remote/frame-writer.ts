// Writes frames to a stream in order, waiting for drain so a slow peer slows the sender down.
import type { Writable } from 'node:stream';
import { ContractorError } from '../../errors.js';
import { DATA_CHUNK_BYTES, encodeControl, encodeFrame, FRAME_DATA } from './frame.js';
import { writeDrained } from './write-drained.js';

export class FrameWriter {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly out: Writable) {}

  /** Queues a control frame; frames go out in the order they were queued. */
  control(value: object): Promise<void> {
    return this.enqueue(encodeControl(value));
  }

  /** Queues bytes as data frames of at most DATA_CHUNK_BYTES each. */
  data(bytes: Buffer): Promise<void> {
    let last = this.tail;
    for (let at = 0; at < bytes.length; at += DATA_CHUNK_BYTES)
      last = this.enqueue(encodeFrame(FRAME_DATA, bytes.subarray(at, at + DATA_CHUNK_BYTES)));
    return last;
  }

  private enqueue(frame: Buffer): Promise<void> {
    const next = this.tail.then(() => writeDrained(this.out, frame));
    // One failed write fails every later one too, without an unhandled rejection in between.
    this.tail = next.catch(() =>
      Promise.reject(new ContractorError('PROTOCOL', 'the channel is closed')),
    );
    this.tail.catch(() => undefined);
    return next;
  }
}
