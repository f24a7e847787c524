// The wire format: every frame is a u32 big-endian length, a kind byte, then the payload.
// Control frames hold one JSON document; data frames hold raw bytes of the stream a control
// frame opened. The format never changes across protocol versions, so a hello is always readable.
import { ContractorError } from '../../errors.js';

export const FRAME_CONTROL = 1;
export const FRAME_DATA = 2;

/** Bounded frames: a peer can never make the other side buffer more than this at once. */
export interface FrameCaps {
  controlBytes: number;
  dataBytes: number;
}

export const DEFAULT_CAPS: FrameCaps = { controlBytes: 8 * 1024 ** 2, dataBytes: 1024 ** 2 };

/** What a sender puts in one data frame: small enough to interleave, large enough to be cheap. */
export const DATA_CHUNK_BYTES = 256 * 1024;

export type Frame = { kind: 'control'; value: unknown } | { kind: 'data'; bytes: Buffer };

export function encodeFrame(kind: number, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header[4] = kind;
  return Buffer.concat([header, payload]);
}

export function encodeControl(value: object): Buffer {
  return encodeFrame(FRAME_CONTROL, Buffer.from(JSON.stringify(value), 'utf8'));
}

function protocolError(message: string): ContractorError {
  return new ContractorError('PROTOCOL', message);
}

function checkHeader(length: number, kind: number, caps: FrameCaps): void {
  if (length < 1) throw protocolError('a frame with no kind byte');
  const cap =
    kind === FRAME_CONTROL ? caps.controlBytes : kind === FRAME_DATA ? caps.dataBytes : -1;
  if (cap < 0) throw protocolError(`a frame of unknown kind ${kind}`);
  // Refused from the header alone, before a byte of the body is buffered.
  if (length - 1 > cap)
    throw protocolError(
      `a ${kind === FRAME_CONTROL ? 'control' : 'data'} frame of ${length - 1} bytes (at most ${cap})`,
    );
}

function decodePayload(kind: number, payload: Buffer): Frame {
  if (kind === FRAME_DATA) return { kind: 'data', bytes: payload };
  try {
    return { kind: 'control', value: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    throw protocolError('a control frame that is not JSON');
  }
}

/** Splits a byte stream into frames; pulls the next chunk only when asked, so backpressure holds. */
export async function* readFrames(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  caps: FrameCaps = DEFAULT_CAPS,
): AsyncGenerator<Frame> {
  // Chunks are joined only once a whole frame has arrived: each byte is copied once.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let pending = Buffer.alloc(0);
  const join = (): void => {
    if (chunks.length) pending = Buffer.concat([pending, ...chunks]);
    chunks = [];
  };
  let need = 5;
  for await (const chunk of input) {
    const bytes = Buffer.from(chunk);
    chunks.push(bytes);
    buffered += bytes.length;
    while (buffered >= need) {
      join();
      const length = pending.readUInt32BE(0);
      const kind = pending[4] as number;
      checkHeader(length, kind, caps);
      if (pending.length < 4 + length) {
        need = 4 + length;
        break;
      }
      const payload = Buffer.from(pending.subarray(5, 4 + length));
      pending = pending.subarray(4 + length);
      buffered = pending.length;
      need = 5;
      yield decodePayload(kind, payload);
    }
  }
  if (buffered) throw protocolError('the stream ended inside a frame');
}
