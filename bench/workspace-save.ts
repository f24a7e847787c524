// Saving a workspace cache: a build's output holding 30,000 small files it left unchanged,
// unpacked beside the saved workspace with the unchanged files linked from it, against writing
// every file again, side by side; then a whole no-op build with that cache against one without.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackSanitised } from '../src/manager/workspace-unpack.js';
import {
  baselineModule,
  baselineTree,
  interleaved,
  interleavedCpu,
  median,
  type BenchFigure,
} from './measure.js';

type Unpack = typeof unpackSanitised;

const BIN = fileURLToPath(new URL('../../bin/contractor.js', import.meta.url));

/** A tar of `files` files of 2 KiB each, 1000 to a directory, made in memory: creating files is what is slow here. */
function cacheTar(path: string, files: number): void {
  const script = `
import io, os, sys, tarfile
n = int(sys.argv[2])
with tarfile.open(sys.argv[1], 'w', format=tarfile.GNU_FORMAT) as t:
    for d in range((n + 999) // 1000):
        info = tarfile.TarInfo('cache/d%d' % d); info.type = tarfile.DIRTYPE; info.mode = 0o755
        info.mtime = 1700000000; t.addfile(info)
        for f in range(d * 1000, min(n, d * 1000 + 1000)):
            data = os.urandom(2048)
            info = tarfile.TarInfo('cache/d%d/f%d' % (d, f)); info.size = len(data); info.mode = 0o644
            info.mtime = 1700000000; t.addfile(info, io.BytesIO(data))
`;
  execFileSync('python3', ['-c', script, path, String(files)]);
}

export async function runWorkspaceSaveBench(
  runs = Number(process.env.BENCH_RUNS ?? 3),
  files = Number(process.env.BENCH_WS_FILES ?? 30_000),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-ws-'));
  const cap = 4 * 1024 ** 3;
  try {
    const tar = join(dir, 'out.tar');
    cacheTar(tar, files);
    // The saved workspace, as an earlier save of this same output left it.
    const saved = join(dir, 'ws');
    mkdirSync(saved);
    await unpackSanitised(tar, saved, cap);
    const into =
      (reuse: boolean, unpack: Unpack = unpackSanitised) =>
      async (): Promise<void> => {
        const fresh = join(dir, reuse ? 'linked' : 'written');
        rmSync(fresh, { recursive: true, force: true });
        mkdirSync(fresh);
        await unpack(tar, fresh, cap, reuse ? { reuseFrom: saved } : {});
      };
    const save = await interleaved(runs, into(true), into(false));
    // This tree's save against the baseline checkout's, each way, alternating in this one process.
    const against: BenchFigure[] = [];
    const base = baselineTree();
    if (base) {
      const old = await baselineModule<{ unpackSanitised: Unpack }>(
        base,
        'src/manager/workspace-unpack.js',
      );
      for (const reuse of [true, false]) {
        const t = await interleavedCpu(
          runs,
          into(reuse, unpackSanitised),
          into(reuse, old.unpackSanitised),
        );
        const how = reuse ? 'linked' : 'written';
        const cpu = median(t.a.cpu) / median(t.b.cpu);
        against.push(
          {
            name: `save, ${how}: this tree / ${base}, CPU`,
            value: cpu,
            unit: 'x',
            goal: '<= 1.05',
            met: cpu <= 1.05,
          },
          {
            name: `save, ${how}: the same, wall`,
            value: median(t.a.wall) / median(t.b.wall),
            unit: 'x',
          },
        );
      }
    }
    rmSync(join(dir, 'linked'), { recursive: true, force: true });
    rmSync(join(dir, 'written'), { recursive: true, force: true });

    // The whole build: its source, restoring the cache, a no-op, saving it; against no cache.
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.txt'), 'a\n');
    writeFileSync(join(dir, 'cached.yaml'), 'source: src\nworkspace: ws\nbuild: "true"\n');
    writeFileSync(join(dir, 'bare.yaml'), 'source: src\nbuild: "true"\n');
    const build = (spec: string) => (): void =>
      void execFileSync(BIN, ['build', spec, '--driver', 'namespace'], {
        cwd: dir,
        env: { ...process.env, CONTRACTOR_HOME: join(dir, 'home') },
        stdio: 'ignore',
      });
    build('cached.yaml')(); // the first save writes what the cache did not yet hold
    const whole = await interleaved(runs, build('cached.yaml'), build('bare.yaml'));
    const linked = median(save.a);
    const written = median(save.b);
    return [
      { name: `save ${files} unchanged files, linked`, value: linked, unit: 'ms' },
      { name: `save ${files} unchanged files, written`, value: written, unit: 'ms' },
      { name: 'ratio linked/written', value: linked / written, unit: 'x' },
      { name: `no-op build with that cache`, value: median(whole.a), unit: 'ms' },
      { name: 'the same build without a cache', value: median(whole.b), unit: 'ms' },
      ...against,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
