// Timing helpers for benchmarks: medians of interleaved runs, so drift hits both sides alike.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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

/** Wall time and this process's CPU time (all its threads) of one call, in ms. */
export async function timeCpu(
  fn: () => Promise<unknown> | unknown,
): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const wall = await timeMs(fn);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/** `interleaved`, keeping each side's CPU time too: on a busy machine CPU drifts less than wall time. */
export async function interleavedCpu(
  n: number,
  a: () => Promise<unknown> | unknown,
  b: () => Promise<unknown> | unknown,
): Promise<Record<'a' | 'b', { wall: number[]; cpu: number[] }>> {
  const out = {
    a: { wall: [] as number[], cpu: [] as number[] },
    b: { wall: [] as number[], cpu: [] as number[] },
  };
  for (let i = 0; i < n; i++) {
    for (const [side, fn] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const t = await timeCpu(fn);
      out[side].wall.push(t.wall);
      out[side].cpu.push(t.cpu);
    }
  }
  return out;
}

/**
 * Another built checkout of contractor to measure beside this one in the same run
 * (`BENCH_BASELINE=DIR npm run bench -- overhead build workspace`), so what a change costs is a
 * ratio taken side by side, not two runs' drift apart.
 */
export function baselineTree(): string | undefined {
  const dir = process.env.BENCH_BASELINE;
  if (!dir) return undefined;
  const tree = resolve(dir);
  if (!existsSync(join(tree, 'dist/src')) || !existsSync(join(tree, 'bin/contractor.js')))
    throw new Error(
      `BENCH_BASELINE=${dir}: no built checkout there (run \`npm ci && npx tsc -p . && node scripts/compile-validators.mjs && node scripts/bundle.mjs\` in it)`,
    );
  return tree;
}

/** A module of the baseline checkout's build, e.g. `src/manager/workspace-unpack.js`. */
export async function baselineModule<T>(tree: string, path: string): Promise<T> {
  return (await import(pathToFileURL(join(tree, 'dist', path)).href)) as T;
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
