// A real build (the SQLite amalgamation shipped in the better-sqlite3 npm package, then a query),
// run directly and through `git contractor run --driver namespace`, side by side.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  baselineTree,
  interleaved,
  median,
  printFigures,
  sh,
  type BenchFigure,
} from './measure.js';

const BIN = fileURLToPath(new URL('../../bin/contractor.js', import.meta.url));
/** -O0 (~3 s here) makes the per-job fixed cost loom largest; -O2 is how SQLite is usually built (~18 s). */
const cc = (opt: string): string =>
  `gcc ${opt} -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -o q q.c sqlite3.c`;

const QUERY_C = `#include <stdio.h>
#include "sqlite3.h"
static int row(void *u, int n, char **v, char **c) { (void)u; (void)c; for (int i = 0; i < n; i++) printf("%s\\n", v[i] ? v[i] : "NULL"); return 0; }
int main(void) {
  sqlite3 *db; char *err = 0;
  sqlite3_open(":memory:", &db);
  if (sqlite3_exec(db, "create table t(x); with recursive c(n) as (select 1 union all select n+1 from c where n<100000) insert into t select n from c; select count(*), sum(x) from t;", row, 0, &err)) { fprintf(stderr, "%s\\n", err); return 1; }
  sqlite3_close(db); return 0;
}
`;

/** Fetches the amalgamation with `npm pack` (the npm registry is the one source we use). */
function sqliteSources(dir: string): string {
  sh(`npm pack --silent better-sqlite3@12 --pack-destination ${dir} >/dev/null 2>&1`);
  sh(`tar xzf better-sqlite3-*.tgz package/deps/sqlite3`, dir);
  return join(dir, 'package/deps/sqlite3');
}

function makeRepo(dir: string, sources: string, CC: string): string {
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  for (const f of ['sqlite3.c', 'sqlite3.h']) cpSync(join(sources, f), join(repo, f));
  writeFileSync(join(repo, 'q.c'), QUERY_C);
  writeFileSync(join(repo, '.contractor.yaml'), `build: |\n  ${CC}\n  ./q\nartifacts: [q]\n`);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b.invalid',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b.invalid',
  };
  execFileSync('sh', ['-c', 'git init -q && git add -A && git commit -qm bench'], {
    cwd: repo,
    env,
  });
  return repo;
}

export async function runBuildOverheadBench(
  runs = Number(process.env.BENCH_RUNS ?? 9),
  opt = '-O0',
): Promise<BenchFigure[]> {
  const CC = cc(opt);
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-build-'));
  try {
    const repo = makeRepo(dir, sqliteSources(dir), CC);
    const direct = join(dir, 'direct');
    const contractorOf = (bin: string) => (): void => {
      // A fresh --out each time: a baseline from before 85cf657 cannot run twice into one.
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      // Executed, as a user's shell runs it: its launcher line is part of what a run costs.
      execFileSync(
        bin,
        ['run', '--no-cache', '--quiet', '--driver', 'namespace', '--out', join(dir, 'out')],
        { cwd: repo, stdio: 'ignore' },
      );
    };
    const contractor = contractorOf(BIN);
    const plain = (): void => {
      rmSync(direct, { recursive: true, force: true });
      sh(
        `git -C ${repo} archive HEAD | (mkdir -p ${direct} && tar -x -C ${direct}) && cd ${direct} && ${CC} && ./q >/dev/null`,
      );
    };
    contractor(); // warm caches on both sides before measuring
    plain();
    const t = await interleaved(runs, plain, contractor);
    const ratio = median(t.b) / median(t.a);
    // Each pair ran back to back: their ratio cancels the machine's drift between pairs.
    const paired = median(t.b.map((b, i) => b / (t.a[i] as number)));
    // The same job through the baseline checkout's CLI, alternating with this tree's.
    const against: BenchFigure[] = [];
    const base = baselineTree();
    if (base) {
      const old = contractorOf(join(base, 'bin/contractor.js'));
      old();
      const o = await interleaved(runs, contractor, old);
      against.push(
        { name: `sqlite ${opt} build+query, this tree (median)`, value: median(o.a), unit: 'ms' },
        { name: `sqlite ${opt} build+query, ${base} (median)`, value: median(o.b), unit: 'ms' },
        { name: 'this tree / baseline', value: median(o.a) / median(o.b), unit: 'x' },
      );
    }
    return [
      { name: `sqlite ${opt} build+query, direct (median)`, value: median(t.a), unit: 'ms' },
      { name: `sqlite ${opt} build+query, namespace (median)`, value: median(t.b), unit: 'ms' },
      { name: 'fixed cost per job (difference)', value: median(t.b) - median(t.a), unit: 'ms' },
      {
        name: `isolated / direct, ${opt}`,
        value: ratio,
        unit: 'x',
        goal: '<= 1.05',
        met: ratio <= 1.05,
      },
      { name: `  the same, median of the ${runs} paired ratios`, value: paired, unit: 'x' },
      ...against,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same, built as SQLite is usually built (-O2); fewer runs, as each takes ~18 s a side. */
export function runReleaseBuildOverheadBench(
  runs = Number(process.env.BENCH_RUNS ?? 3),
): Promise<BenchFigure[]> {
  return runBuildOverheadBench(runs, '-O2');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('Build overhead (issue 3)', await runBuildOverheadBench());
}
