// Live progress on the terminal: a line per phase with its elapsed time, and the build's log as it comes.
import type { ChalkInstance } from 'chalk';
import type { JobEvent } from '../manager/job.js';
import { formatDuration } from '../spec/units.js';

export interface ProgressOptions {
  out: NodeJS.WritableStream;
  style: ChalkInstance;
  /** Show the build's log live (default), or only phase lines. */
  showLog: boolean;
}

export function createProgress(o: ProgressOptions): (e: JobEvent) => void {
  let phaseStart = Date.now();
  let current: string | undefined;
  let atLineStart = true;
  const endPhase = (): void => {
    if (!current) return;
    if (!atLineStart) o.out.write('\n');
    atLineStart = true;
    o.out.write(o.style.dim(`  ${current} took ${formatDuration(Date.now() - phaseStart)}\n`));
  };
  return (e) => {
    if (e.type === 'phase') {
      endPhase();
      current = e.phase;
      phaseStart = Date.now();
      o.out.write(o.style.cyan.bold(`▸ ${e.phase}\n`));
    } else if (e.type === 'output' && o.showLog) {
      const text = e.chunk.toString('utf8');
      o.out.write(text);
      atLineStart = text.endsWith('\n');
    } else if (e.type === 'violation') {
      if (!atLineStart) o.out.write('\n');
      atLineStart = true;
      const v = e.violation;
      o.out.write(
        o.style.yellow(`  ⚠ ${v.kind} ${v.host ?? ''}${v.port ? `:${v.port}` : ''} ${v.detail}\n`),
      );
    } else if (e.type === 'status') {
      o.out.write(o.style.dim(`${e.message}\n`));
    }
  };
}
