// The last lines of a run's log, for a refusal that should say why without opening a file.
import { open } from 'node:fs/promises';
import { terminalSafe } from './terminal-text.js';

/** Enough bytes for 20 ordinary lines; a longer line is shown cut. */
const TAIL_BYTES = 16 * 1024;

/**
 * The log's last `lines` lines, made safe for a terminal (the build wrote them), its colours
 * kept only when `colour`; [] if unreadable.
 */
export async function logTail(path: string, lines = 20, colour = true): Promise<string[]> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return [];
  try {
    const { size } = await file.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await file.read(buf, 0, length, size - length);
    const text = buf.toString('utf8').replace(/\n$/, '');
    if (!text) return [];
    return text
      .split('\n')
      .slice(-lines)
      .map((l) => terminalSafe(l, colour));
  } finally {
    await file.close();
  }
}
