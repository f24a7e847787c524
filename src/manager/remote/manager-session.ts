// One open conversation with a manager: its hello already read and checked, ready for a job.
// Opening a session is also the pool's health check, so a healthy manager costs no extra round trip.
import type { Readable, Writable } from 'node:stream';
import { ContractorError } from '../../errors.js';
import { DEFAULT_CAPS, readFrames, type Frame, type FrameCaps } from './frame.js';
import { FrameWriter } from './frame-writer.js';
import { checkManagerHello, helloFrame, PROTOCOL_VERSION } from './hello.js';
import { parseManagerFrame, type HelloFrame } from './job-frame.js';

export interface ManagerSession {
  readonly manager: string;
  readonly hello: HelloFrame;
  readonly frames: AsyncIterator<Frame>;
  readonly writer: FrameWriter;
  /** The tail of what the manager wrote on stderr, for messages. */
  stderr(): string;
  /** Ends the conversation; the manager cancels a running job when its channel closes. */
  close(): void;
}

export interface SessionStreams {
  input: Readable;
  output: Writable;
  stderr?: () => string;
  close: () => void;
}

export interface SessionOptions {
  protocol?: number;
  caps?: FrameCaps;
  helloTimeoutMs?: number;
}

export async function openSession(
  manager: string,
  s: SessionStreams,
  o: SessionOptions = {},
): Promise<ManagerSession> {
  const writer = new FrameWriter(s.output);
  const frames = readFrames(s.input, o.caps ?? DEFAULT_CAPS)[Symbol.asyncIterator]();
  const stderr = s.stderr ?? (() => '');
  // Both sides speak first, so a version mismatch is refused by each without waiting on the other.
  writer.control(helloFrame('client', o.protocol ?? PROTOCOL_VERSION)).catch(() => undefined);
  try {
    const hello = await withTimeout(
      readHello(frames, manager),
      o.helloTimeoutMs ?? 15_000,
      manager,
    );
    checkManagerHello(hello, manager, o.protocol ?? PROTOCOL_VERSION);
    return { manager, hello, frames, writer, stderr, close: s.close };
  } catch (err) {
    s.close();
    throw withStderr(err, stderr());
  }
}

async function readHello(frames: AsyncIterator<Frame>, manager: string): Promise<HelloFrame> {
  const { value, done } = await frames.next();
  if (done)
    throw new ContractorError(
      'INFRASTRUCTURE',
      `manager ${manager} closed the channel before its hello`,
    );
  if (value.kind !== 'control')
    throw new ContractorError('PROTOCOL', `manager ${manager} did not start with a hello`);
  const frame = parseManagerFrame(value.value);
  if (frame.type === 'error')
    throw new ContractorError(frame.code, `manager ${manager}: ${frame.message}`);
  if (frame.type !== 'hello')
    throw new ContractorError('PROTOCOL', `manager ${manager} did not start with a hello`);
  return frame;
}

function withTimeout<T>(p: Promise<T>, ms: number, manager: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ContractorError('INFRASTRUCTURE', `manager ${manager} sent no hello within ${ms} ms`),
        ),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Adds the manager's last stderr line to an error, where the real cause often is. */
export function withStderr(err: unknown, stderr: string): unknown {
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) => l.trim());
  // A crash ends with a runtime banner; the line naming the error is the useful one.
  const last =
    [...lines].reverse().find((l) => /error|refused|denied|not found|cannot/i.test(l)) ??
    lines.at(-1);
  if (!(err instanceof ContractorError) || !last || err.message.includes(last)) return err;
  return new ContractorError(err.code, `${err.message} (manager stderr: ${last})`, { cause: err });
}
