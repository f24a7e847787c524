// Job events as they cross the wire: output bytes travel as base64 in bounded pieces.
import type { JobEvent } from '../job.js';
import type { WireEvent } from './job-frame.js';

const OUTPUT_PIECE_BYTES = 1024 ** 2;

export function toWireEvents(e: JobEvent): WireEvent[] {
  if (e.type !== 'output') return [e];
  const pieces: WireEvent[] = [];
  for (let at = 0; at < e.chunk.length || at === 0; at += OUTPUT_PIECE_BYTES)
    pieces.push({
      type: 'output',
      phase: e.phase,
      stream: e.stream,
      data: e.chunk.subarray(at, at + OUTPUT_PIECE_BYTES).toString('base64'),
    });
  return pieces;
}

export function fromWireEvent(e: WireEvent): JobEvent {
  if (e.type !== 'output') return e;
  return { type: 'output', phase: e.phase, stream: e.stream, chunk: Buffer.from(e.data, 'base64') };
}
