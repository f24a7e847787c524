// The real build of bench/build-overhead.ts (the SQLite amalgamation, then a query), run directly and
// in the gvisor driver, interleaved, medians compared.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Driver } from '../src/worker/driver.js';
import { GvisorDriver } from '../src/worker/gvisor/gvisor-driver.js';
import { interleaved, median, printFigures, sh, type BenchFigure } from './measure.js';

export const SQLITE_CC = 'gcc -O0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -o q q.c sqlite3.c';

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
  for (const f of ['sqlite3.c', 'sqlite3.h']) cpSync(join(dir, 'package/deps/sqlite3', f), join(src, f));
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
export async function driverBuild(driver: Driver, ws: string, script: string, outDir: string): Promise<number> {
  const t0 = Date.now();
  let firstBuild = 0;
  const out = await driver.run({
    id: `bench${Date.now().toString(36)}`,
    input: () => spawn('tar', ['-c', '-f', '-', '-C', ws, '.'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout,
    outputTar: join(outDir, 'out.tar'),
    phases: [{ name: 'build', script }],
    env: {},
    limits: LIMITS,
    egress: { accept: (s) => s.destroy() },
    onEvent: (e) => {
      if (e.type === 'phase' && e.phase === 'build') firstBuild ||= Date.now() - t0;
    },
  });
  if (out.phases[0]?.exitCode !== 0) throw new Error(`the build failed in ${driver.name}: ${JSON.stringify(out)}`);
  return firstBuild;
}

export async function runGvisorBuildBench(
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-gvisor-'));
  try {
    const ws = sqliteProject(dir);
    const direct = join(dir, 'direct');
    const driver = new GvisorDriver();
    const plain = (): void => {
      rmSync(direct, { recursive: true, force: true });
      cpSync(join(ws, 'src'), direct, { recursive: true });
      sh(`${SQLITE_CC} && ./q >/dev/null`, direct);
    };
    const gvisor = (): Promise<number> => driverBuild(driver, ws, `${SQLITE_CC}\n./q`, dir);
    await gvisor(); // warm caches on both sides before measuring
    plain();
    const t = await interleaved(runs, plain, gvisor);
    const ratio = median(t.b) / median(t.a);
    return [
      { name: 'sqlite build+query, direct (median)', value: median(t.a), unit: 'ms' },
      { name: 'sqlite build+query, gvisor driver (median)', value: median(t.b), unit: 'ms' },
      { name: 'gvisor / direct', value: ratio, unit: 'x', goal: '<= 1.5', met: ratio <= 1.5 },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('Real build, direct vs gvisor driver (issue 4)', await runGvisorBuildBench());
}
