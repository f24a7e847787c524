// The real build of bench/build-overhead.ts (the SQLite amalgamation, then a query), run directly,
// under a bare runsc do, and in the gvisor driver with each option, interleaved, medians compared.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Driver } from '../src/worker/driver.js';
import { GvisorDriver, type GvisorOptions } from '../src/worker/gvisor/gvisor-driver.js';
import { gvisorPlatform, type GvisorPlatform } from '../src/worker/gvisor/platform-probe.js';
import { median, printFigures, sh, timeMs, type BenchFigure } from './measure.js';

export const SQLITE_CC =
  'gcc -O0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -o q q.c sqlite3.c';

export const QUERY_C = `#include <stdio.h>
#include "sqlite3.h"
static int row(void *u, int n, char **v, char **c) { (void)u; (void)c; for (int i = 0; i < n; i++) printf("%s\\n", v[i] ? v[i] : "NULL"); return 0; }
int main(void) {
  sqlite3 *db; char *err = 0;
  sqlite3_open(":memory:", &db);
  if (sqlite3_exec(db, "create table t(x); with recursive c(n) as (select 1 union all select n+1 from c where n<100000) insert into t select n from c; select count(*), sum(x) from t;", row, 0, &err)) { fprintf(stderr, "%s\\n", err); return 1; }
  sqlite3_close(db); return 0;
}
`;

/** The amalgamation from the better-sqlite3 npm package (the npm registry is the one source we use). */
export function sqliteProject(dir: string): string {
  sh(`npm pack --silent better-sqlite3@12 --pack-destination ${dir} >/dev/null 2>&1`);
  sh(`tar xzf better-sqlite3-*.tgz package/deps/sqlite3`, dir);
  const src = join(dir, 'ws/src');
  mkdirSync(src, { recursive: true });
  for (const f of ['sqlite3.c', 'sqlite3.h'])
    cpSync(join(dir, 'package/deps/sqlite3', f), join(src, f));
  writeFileSync(join(src, 'q.c'), QUERY_C);
  return join(dir, 'ws');
}

const LIMITS = {
  wallMs: 30 * 60_000,
  cpuMs: 60 * 60_000,
  memoryBytes: 4 * 1024 ** 3,
  processes: 1024,
  diskBytes: 2 * 1024 ** 3,
  logBytes: 50 * 1024 ** 2,
  bandwidthBytesPerSec: 0,
};

/** One job in a driver; resolves with the time the first build command started, relative to the start. */
export async function driverBuild(
  driver: Driver,
  ws: string,
  script: string,
  outDir: string,
  /** phase: the worker says the build phase starts; output: the build's first output arrives. */
  mark: 'phase' | 'output' = 'phase',
): Promise<number> {
  const t0 = Date.now();
  let firstBuild = 0;
  const out = await driver.run({
    id: `bench${Date.now().toString(36)}`,
    input: () =>
      spawn('tar', ['-c', '-f', '-', '-C', ws, '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
        .stdout,
    outputTar: join(outDir, 'out.tar'),
    phases: [{ name: 'build', script }],
    env: {},
    limits: LIMITS,
    egress: { accept: (s) => s.destroy() },
    onEvent: (e) => {
      if (e.type === mark && e.phase === 'build') firstBuild ||= Date.now() - t0;
    },
  });
  if (out.phases[0]?.exitCode !== 0)
    throw new Error(`the build failed in ${driver.name}: ${JSON.stringify(out)}`);
  return firstBuild;
}

/**
 * Before issue 23: a watcher that forks each tick, a detached sandbox, the CPU read five times a
 * second, the bind mounts shared.
 */
const OLD_DESIGN: GvisorOptions = {
  platform: 'ptrace',
  mountsAccess: 'shared',
  watcher: 'forking',
  detach: true,
  cpuWatchMs: 200,
};

/** One way of running the build, timed beside the others. */
interface Contender {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/** The same build under a bare `runsc do`: no Contractor around it, the floor the ptrace platform sets. */
function bareRunscDo(src: string, at: string, platform: GvisorPlatform): () => void {
  return () => {
    rmSync(at, { recursive: true, force: true });
    cpSync(src, at, { recursive: true });
    // --ignore-cgroups as the driver: a sandbox in its own cgroup gets its own CPU share on a busy host.
    sh(
      `runsc --platform=${platform} --network=none --ignore-cgroups do sh -c 'cd ${at} && ${SQLITE_CC} && ./q >/dev/null'`,
    );
  };
}

/**
 * Every contender, interleaved round by round so load drift hits all alike: direct, a bare runsc do,
 * the old design, each option alone on top of it, and the new default (the probed platform). The
 * kvm option runs only where the platform probe saw a sandbox run on /dev/kvm.
 */
export async function runGvisorBuildBench(
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-gvisor-'));
  try {
    const ws = sqliteProject(dir);
    const direct = join(dir, 'direct');
    const verdict = await gvisorPlatform();
    const job = (options: GvisorOptions) => {
      const driver = new GvisorDriver(options);
      return (): Promise<number> => driverBuild(driver, ws, `${SQLITE_CC}\n./q`, dir);
    };
    const contenders: Contender[] = [
      {
        name: 'direct',
        run: () => {
          rmSync(direct, { recursive: true, force: true });
          cpSync(join(ws, 'src'), direct, { recursive: true });
          sh(`${SQLITE_CC} && ./q >/dev/null`, direct);
        },
      },
      {
        name: 'bare runsc do (ptrace)',
        run: bareRunscDo(join(ws, 'src'), join(dir, 'bare'), 'ptrace'),
      },
      { name: 'old design (ptrace)', run: job(OLD_DESIGN) },
      {
        name: 'old + one-process watcher',
        run: job({ ...OLD_DESIGN, watcher: 'one-process' }),
      },
      { name: 'old + foreground runsc run', run: job({ ...OLD_DESIGN, detach: false }) },
      { name: 'old + CPU read each 1 s', run: job({ ...OLD_DESIGN, cpuWatchMs: 1000 }) },
      {
        name: 'old + overlay2 root:memory',
        run: job({ ...OLD_DESIGN, fsFlags: ['--overlay2=root:memory'] }),
      },
      {
        name: 'old + mounts exclusive',
        run: job({ ...OLD_DESIGN, mountsAccess: 'exclusive' }),
      },
      ...(verdict.platform === 'kvm'
        ? [
            {
              name: 'bare runsc do (kvm)',
              run: bareRunscDo(join(ws, 'src'), join(dir, 'bare-kvm'), 'kvm'),
            },
            { name: 'kvm', run: job({ platform: 'kvm' }) },
          ]
        : []),
      { name: `new default (${verdict.platform})`, run: job({}) },
      {
        name: 'new default, mounts shared',
        run: job({ mountsAccess: 'shared' }),
      },
    ];
    for (const c of contenders) await c.run(); // warm caches on every side before measuring
    const loadBefore = loadavg()[0] ?? 0;
    const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (let i = 0; i < runs; i++)
      for (const c of contenders) times.get(c.name)!.push(await timeMs(c.run));
    const med = (name: string): number => median(times.get(name) ?? []);
    const spread = (name: string): string => {
      const xs = times.get(name) ?? [];
      return `${(Math.min(...xs) / 1000).toFixed(1)}-${(Math.max(...xs) / 1000).toFixed(1)} s`;
    };
    const figures: BenchFigure[] = contenders.map((c) => ({
      name: `${c.name} (median; ${spread(c.name)})`,
      value: med(c.name),
      unit: 'ms',
    }));
    if (verdict.platform !== 'kvm')
      figures.push({ name: `kvm: not measured (${verdict.why})`, value: NaN, unit: '' });
    for (const c of contenders.slice(2)) {
      const floor =
        c.name.includes('kvm') && verdict.platform === 'kvm'
          ? 'bare runsc do (kvm)'
          : 'bare runsc do (ptrace)';
      if (c.name.startsWith('bare')) continue;
      const vsDirect = med(c.name) / med('direct');
      const vsBare = med(c.name) / med(floor);
      figures.push(
        {
          name: `${c.name} / direct`,
          value: vsDirect,
          unit: 'x',
          goal: '<= 1.5',
          met: vsDirect <= 1.5,
        },
        {
          name: `${c.name} / ${floor}`,
          value: vsBare,
          unit: 'x',
          goal: '<= 1.1',
          met: vsBare <= 1.1,
        },
      );
    }
    const bare = med('bare runsc do (ptrace)') / med('direct');
    figures.push({ name: 'bare runsc do (ptrace) / direct (the floor)', value: bare, unit: 'x' });
    // A busy host stretches every contender alike, but the figures are read beside the load they had.
    figures.push(
      { name: 'load average (1 min) before the timed rounds', value: loadBefore, unit: '' },
      { name: 'load average (1 min) after them', value: loadavg()[0] ?? 0, unit: '' },
    );
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures(
    'Real build: direct, bare runsc do, gvisor driver options (issue 23)',
    await runGvisorBuildBench(),
  );
}
