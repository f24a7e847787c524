// The namespace driver's fixed cost: a trivial build (`true`) through the driver against `true` run directly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { NamespaceDriver } from '../src/worker/namespace/namespace-driver.js';
import { baselineModule, baselineTree, interleaved, median, type BenchFigure } from './measure.js';

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
  const viaDriver = via(new NamespaceDriver());
  const direct = (): void => void execFileSync('sh', ['-e', '-c', 'true']);
  // Most of the fixed cost is starting the holder's node; this shows what that costs on this machine now.
  const nodeStart = (): void => void execFileSync(process.execPath, ['-e', '0']);
  const base = baselineTree();
  const against: BenchFigure[] = [];
  try {
    await viaDriver();
    const t = await interleaved(runs, viaDriver, direct);
    const a = median(t.a);
    const b = median(t.b);
    const n = median((await interleaved(Math.min(runs, 10), nodeStart, () => undefined)).a);
    if (base) {
      // The baseline checkout's driver, with the same job, alternating with this tree's.
      const old = await baselineModule<{ NamespaceDriver: typeof NamespaceDriver }>(
        base,
        'src/worker/namespace/namespace-driver.js',
      );
      const viaOld = via(new old.NamespaceDriver());
      await viaOld();
      const o = await interleaved(runs, viaDriver, viaOld);
      against.push(
        { name: `trivial build, this tree`, value: median(o.a), unit: 'ms' },
        { name: `trivial build, ${base}`, value: median(o.b), unit: 'ms' },
        { name: 'this tree / baseline', value: median(o.a) / median(o.b), unit: 'x' },
      );
    }
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
      ...against,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  function via(driver: NamespaceDriver): () => Promise<void> {
    return async (): Promise<void> => {
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
  }
}
