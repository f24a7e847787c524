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
  try {
    // A fresh image in a scratch images folder: the kernel fetch, mmdebstrap and mkfs.ext4 -d, all timed.
    process.env.CONTRACTOR_IMAGES = join(dir, 'images');
    const imageMs = await timeMs(() => buildImage({ name: 'worker' }));
    const imageMiB =
      (await import('node:fs')).statSync(imagePaths('worker').rootfs).size / 1024 ** 2;
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, 'src'), { recursive: true });
    const driver = new VmDriver();
    const boots: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < runs; i++) {
      let boot = 0;
      totals.push(await timeMs(async () => (boot = await driverBuild(driver, ws, 'true', dir))));
      boots.push(boot);
    }
    const m = median(boots);
    return [
      {
        name: 'start to first build command (median)',
        value: m,
        unit: 'ms',
        goal: '< 10000 under TCG',
        met: m < 10_000,
      },
      { name: 'whole trivial job, boot to power-off (median)', value: median(totals), unit: 'ms' },
      { name: 'image build (kernel, mmdebstrap, mkfs.ext4 -d)', value: imageMs, unit: 'ms' },
      { name: 'image size', value: imageMiB, unit: 'MiB' },
    ];
  } finally {
    if (saved === undefined) delete process.env.CONTRACTOR_IMAGES;
    else process.env.CONTRACTOR_IMAGES = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('VM driver boot and image build (issue 4)', await runVmBootBench());
}
