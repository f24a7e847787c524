// Sends one file of the job's output: a file frame naming path, size and digest, then its bytes.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { sha256File } from '../../attest/file-digest.js';
import { DATA_CHUNK_BYTES } from './frame.js';
import type { FrameWriter } from './frame-writer.js';

export async function sendFile(
  writer: FrameWriter,
  absPath: string,
  path: string,
  sha256?: string,
): Promise<void> {
  const { size } = await stat(absPath);
  await writer.control({ type: 'file', path, size, sha256: sha256 ?? (await sha256File(absPath)) });
  let sent = 0;
  for await (const chunk of createReadStream(absPath, { highWaterMark: DATA_CHUNK_BYTES })) {
    // The frame promised exactly `size` bytes; a file that grew meanwhile is cut there.
    const bytes = (chunk as Buffer).subarray(0, size - sent);
    sent += bytes.length;
    if (bytes.length) await writer.data(bytes);
  }
}
