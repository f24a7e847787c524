// A log file line by line, as the report page numbers them (split on \n only), in bounded memory.
import { createReadStream } from 'node:fs';

/** Past this a line is cut: nothing parses or shows a longer one whole. */
export const MAX_KEPT_LINE = 8192;

export async function* logLines(file: string): AsyncGenerator<string> {
  let partial = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const parts = (partial + (chunk as string)).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) yield p;
    // A build that never prints a newline does not make the host hold its whole log.
    if (partial.length > MAX_KEPT_LINE) partial = partial.slice(0, MAX_KEPT_LINE + 1);
  }
  if (partial) yield partial;
}
