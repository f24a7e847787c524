// Timing helpers for benchmarks: medians of interleaved runs, so drift hits both sides alike.
import { execFileSync } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs a and b alternately n times each and returns both samples. */
export async function interleaved(
  n: number,
  a: () => Promise<unknown> | unknown,
  b: () => Promise<unknown> | unknown,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < n; i++) {
    out.a.push(await timeMs(a));
    out.b.push(await timeMs(b));
  }
  return out;
}

export function sh(cmd: string, cwd?: string): string {
  return execFileSync('sh', ['-c', cmd], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  goal?: string;
  met?: boolean;
}

export function printFigures(title: string, figures: BenchFigure[]): void {
  console.log(`\n${title}`);
  for (const f of figures) {
    // NaN: a contender not measured on this host; the name says why.
    if (Number.isNaN(f.value)) {
      console.log(`  ${f.name}`);
      continue;
    }
    const goal = f.goal ? `  (goal ${f.goal}: ${f.met ? 'met' : 'NOT met'})` : '';
    console.log(
      `  ${f.name.padEnd(56)} ${f.value.toFixed(f.unit === 'x' ? 3 : 1).padStart(10)} ${f.unit}${goal}`,
    );
  }
}
