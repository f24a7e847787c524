// Live progress: a header per phase, the build's log as it comes, and on a terminal one status
// line under the log with the running phase's elapsed time. Hand-written rather than log-update
// or ora: it is one line redrawn with \r and erase-line, and those libraries own the stream in
// ways that fight a log written through it.
import type { ChalkInstance } from 'chalk';
import type { JobEvent } from '../manager/job.js';
import { formatDuration } from '../spec/units.js';
import { TerminalFilter, terminalSafe } from './terminal-text.js';
import { destinationOf } from '../net/violation.js';

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  style: ChalkInstance;
  /** Show the build's log live, or only the phase lines. */
  showLog: boolean;
  /** Redraw a status line (default: when out is a terminal). */
  live?: boolean;
  /** No escape sequence at all, the build's colours included: a terminal that says it is dumb. */
  plain?: boolean;
  /** Status redraw interval; tests shorten it. */
  tickMs?: number;
  now?: () => number;
}

export interface Progress {
  (e: JobEvent): void;
  /** Ends the last phase's line and stops the status line; call before the summary. */
  finish(): void;
}

const ERASE_LINE = '\r\x1b[2K';

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const live = !o.plain && (o.live ?? Boolean(o.out.isTTY));
  let phaseStart = now();
  let current: string | undefined;
  let atLineStart = true;
  let statusShown = false;
  let ticker: NodeJS.Timeout | undefined;
  // One per stream: each decodes its own UTF-8 and holds its own split colour sequence.
  const filters = { stdout: new TerminalFilter(!o.plain), stderr: new TerminalFilter(!o.plain) };

  const clearStatus = (): void => {
    if (statusShown) o.out.write(ERASE_LINE);
    statusShown = false;
  };
  const drawStatus = (): void => {
    // A partial log line stays as it is: drawing over it would hide the build's own output.
    if (!live || !current || !atLineStart) return;
    o.out.write(
      `${ERASE_LINE}${o.style.cyan(`  ${current}`)} ${o.style.dim(formatDuration(now() - phaseStart))}`,
    );
    statusShown = true;
  };
  const write = (text: string): void => {
    clearStatus();
    o.out.write(text);
  };
  const newline = (): void => {
    if (!atLineStart) write('\n');
    atLineStart = true;
  };
  const flushLog = (): void => {
    const rest = filters.stdout.flush() + filters.stderr.flush();
    if (!rest) return;
    write(rest);
    atLineStart = rest.endsWith('\n');
  };
  const endPhase = (): void => {
    flushLog();
    if (!current) return;
    newline();
    write(o.style.dim(`  ${current} took ${formatDuration(now() - phaseStart)}\n`));
    current = undefined;
  };

  const progress = ((e: JobEvent) => {
    if (e.type === 'phase') {
      endPhase();
      current = e.phase;
      phaseStart = now();
      write(o.style.cyan.bold(`▸ ${e.phase}\n`));
      if (live && !ticker) {
        ticker = setInterval(drawStatus, o.tickMs ?? 100);
        ticker.unref();
      }
    } else if (e.type === 'output' && o.showLog) {
      const text = filters[e.stream].push(e.chunk);
      if (text) {
        write(text);
        atLineStart = text.endsWith('\n');
      }
    } else if (e.type === 'violation') {
      flushLog();
      newline();
      const v = e.violation;
      const line = `  ⚠ ${v.kind} ${destinationOf(v)} ${v.detail}`;
      write(o.style.yellow(`${terminalSafe(line)}\n`));
    } else if (e.type === 'status') {
      flushLog();
      newline();
      write(o.style.dim(`${terminalSafe(e.message)}\n`));
    }
    drawStatus();
  }) as Progress;
  progress.finish = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    endPhase();
    clearStatus();
  };
  return progress;
}
