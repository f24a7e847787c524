// The namespace driver's fixed cost: a trivial build (`true`) through the driver against `true` run directly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { NamespaceDriver } from '../src/worker/namespace/namespace-driver.js';
import { interleaved, median, type BenchFigure } from './measure.js';

const GOAL_MS = 150;

const LIMITS = {
  wallMs: 60_000,
  cpuMs: 60_000,
  memoryBytes: 1024 ** 3,
  processes: 256,
  diskBytes: 256 * 1024 ** 2,
  logBytes: 1024 ** 2,
  bandwidthBytesPerSec: 1024 ** 2,
};

export async function runNamespaceOverheadBench(
  runs = Number(process.env.BENCH_RUNS ?? 20),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-ns-'));
  const src = join(dir, 'in');
  execFileSync('mkdir', ['-p', join(src, 'src')]);
  const tar = execFileSync('tar', ['-c', '-f', '-', '-C', src, 'src']);
  const driver = new NamespaceDriver();
  const viaDriver = async (): Promise<void> => {
    const out = await driver.run({
      id: 'bench',
      input: () => Readable.from([tar]),
      outputTar: join(dir, 'out.tar'),
      phases: [{ name: 'build', script: 'true' }],
      env: {},
      limits: LIMITS,
      egress: { accept: (s) => s.destroy() },
      onEvent: () => undefined,
    });
    if (out.phases[0]?.exitCode !== 0) throw new Error('the trivial build failed');
  };
  const direct = (): void => void execFileSync('sh', ['-e', '-c', 'true']);
  // Most of the fixed cost is starting the holder's node; this shows what that costs on this machine now.
  const nodeStart = (): void => void execFileSync(process.execPath, ['-e', '0']);
  try {
    await viaDriver();
    const t = await interleaved(runs, viaDriver, direct);
    const a = median(t.a);
    const b = median(t.b);
    const n = median((await interleaved(Math.min(runs, 10), nodeStart, () => undefined)).a);
    return [
      { name: 'trivial build through the namespace driver', value: a, unit: 'ms' },
      { name: 'the same command run directly', value: b, unit: 'ms' },
      {
        name: 'fixed overhead',
        value: a - b,
        unit: 'ms',
        goal: `<= ${GOAL_MS} ms`,
        met: a - b <= GOAL_MS,
      },
      { name: 'of which starting node (node -e 0 alone)', value: n, unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
