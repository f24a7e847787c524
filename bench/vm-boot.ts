// The vm driver: time from a job's start to its first build command (TCG here), and image build time.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../src/worker/image/build-image.js';
import { imagePaths } from '../src/worker/image/image-paths.js';
import { VmDriver } from '../src/worker/vm/vm-driver.js';
import { driverBuild } from './gvisor-build.js';
import { median, printFigures, timeMs, type BenchFigure } from './measure.js';

export async function runVmBootBench(
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-vm-'));
  const saved = process.env.CONTRACTOR_IMAGES;
  const snapshot = process.env.CONTRACTOR_VM_SNAPSHOT;
  try {
    // A fresh image in a scratch images folder: the kernel fetch, mmdebstrap and mkfs.ext4 -d, all timed.
    process.env.CONTRACTOR_IMAGES = join(dir, 'images');
    const imageMs = await timeMs(() => buildImage({ name: 'worker' }));
    const imageMiB =
      (await import('node:fs')).statSync(imagePaths('worker').rootfs).size / 1024 ** 2;
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, 'src'), { recursive: true });
    const driver = new VmDriver();
    // VmSnapshot: the same trivial job booted cold and restored from a saved guest, interleaved.
    const job = async (mode: 'on' | 'off'): Promise<{ first: number; total: number }> => {
      process.env.CONTRACTOR_VM_SNAPSHOT = mode;
      let first = 0;
      // The first build command is the script's own first line: its output reaching the host.
      const total = await timeMs(
        async () => (first = await driverBuild(driver, ws, 'echo first', dir, 'output')),
      );
      return { first, total };
    };
    const saveMs = await timeMs(() => job('on'));
    const cold: { first: number; total: number }[] = [];
    const restored: { first: number; total: number }[] = [];
    for (let i = 0; i < runs; i++) {
      cold.push(await job('off'));
      restored.push(await job('on'));
    }
    const m = median(cold.map((r) => r.first));
    const r = median(restored.map((x) => x.first));
    return [
      {
        name: 'start to first build command, cold boot (median)',
        value: m,
        unit: 'ms',
        goal: '< 10000 under TCG',
        met: m < 10_000,
      },
      {
        name: 'start to first build command, restored (median)',
        value: r,
        unit: 'ms',
        goal: '<= 1000 under TCG',
        met: r <= 1000,
      },
      {
        name: 'whole trivial job, cold boot (median)',
        value: median(cold.map((x) => x.total)),
        unit: 'ms',
      },
      {
        name: 'whole trivial job, restored (median)',
        value: median(restored.map((x) => x.total)),
        unit: 'ms',
      },
      { name: 'first job: boot, save the guest, restore', value: saveMs, unit: 'ms' },
      { name: 'image build (kernel, mmdebstrap, mkfs.ext4 -d)', value: imageMs, unit: 'ms' },
      { name: 'image size', value: imageMiB, unit: 'MiB' },
    ];
  } finally {
    if (saved === undefined) delete process.env.CONTRACTOR_IMAGES;
    else process.env.CONTRACTOR_IMAGES = saved;
    if (snapshot === undefined) delete process.env.CONTRACTOR_VM_SNAPSHOT;
    else process.env.CONTRACTOR_VM_SNAPSHOT = snapshot;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('VM driver boot and image build (issue 4)', await runVmBootBench());
}
