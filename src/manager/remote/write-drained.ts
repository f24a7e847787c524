// One write that resolves once the stream can take more, and fails if it closes first.
import type { Writable } from 'node:stream';
import { ContractorError } from '../../errors.js';

export function writeDrained(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded)
    return Promise.reject(new ContractorError('PROTOCOL', 'the channel is closed'));
  return new Promise((resolve, reject) => {
    const closed = (): void => {
      cleanup();
      reject(new ContractorError('PROTOCOL', 'the channel closed while writing'));
    };
    const drained = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      out.off('close', closed);
      out.off('error', closed);
      out.off('drain', drained);
    };
    out.on('close', closed);
    out.on('error', closed);
    if (out.write(chunk)) drained();
    else out.on('drain', drained);
  });
}
