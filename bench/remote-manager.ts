// The cost of a remote manager: the same `git contractor run` on this machine and through a
// manager behind a real sshd on 127.0.0.1, interleaved, for a small repository, a 50 MB one
// of incompressible content (so the source upload is measured, not a compressor), and one of
// 5,000 small files (creating a file costs 0.9 ms on this machine's disk: the manager must not).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { managerCommand, startSshd } from '../test/helpers/sshd.js';
import { interleaved, median, printFigures, sh, type BenchFigure } from './measure.js';

const GIT_CONTRACTOR = fileURLToPath(new URL('../../bin/git-contractor.js', import.meta.url));
const BIG_BYTES = 50 * 1024 ** 2;
const MANY_FILES = 5000;
const GOAL_MS = 1000;

function makeRepo(dir: string, files: Record<string, string | Buffer>): string {
  const repo = join(
    dir,
    `repo-${Object.keys(files).length}-${Math.random().toString(36).slice(2)}`,
  );
  sh(`git init -q -b main ${repo}`);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(repo, name), content);
  sh('git add -A && git -c user.name=b -c user.email=b@b.invalid commit -qm bench', repo);
  return repo;
}

export async function runRemoteManagerBench(
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-remote-'));
  const sshd = await startSshd('bench', (d) => managerCommand(d));
  try {
    const m = sshd.manager();
    writeFileSync(
      join(dir, 'config.yaml'),
      `managers:\n  bench:\n    host: 127.0.0.1\n    port: ${m.port}\n    user: ${m.user}\n` +
        `    key: ${m.key}\n    hostKey: "${m.hostKey}"\n    capacity: 4\n`,
    );
    const small = makeRepo(dir, {
      '.contractor.yaml': 'build: |\n  gcc hello.c -o hello\n  ./hello\nartifacts: [hello]\n',
      'hello.c': '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
    });
    const big = makeRepo(dir, {
      '.contractor.yaml': `build: test "$(stat -c %s big.bin)" = ${BIG_BYTES}\n`,
      'big.bin': randomBytes(BIG_BYTES),
    });
    const many = makeRepo(dir, {
      '.contractor.yaml': `build: test "$(ls | wc -l)" -ge ${MANY_FILES}\n`,
      ...Object.fromEntries(
        Array.from({ length: MANY_FILES }, (_, i) => [`f${i}.txt`, `file ${i}\n`.repeat(8)]),
      ),
    });
    const run = (repo: string, manager: string) => async (): Promise<void> => {
      const r = await execa(
        process.execPath,
        [GIT_CONTRACTOR, 'run', '--no-cache', '-q', '--manager', manager],
        { cwd: repo, reject: false, env: { CONTRACTOR_HOME: dir, NO_COLOR: '1' } },
      );
      if (r.exitCode !== 0)
        throw new Error(`run --manager ${manager} failed: ${r.stdout}\n${r.stderr}`);
    };
    const figures: BenchFigure[] = [];
    for (const [label, repo] of [
      ['hello', small],
      ['50 MB repository', big],
      [`${MANY_FILES} files`, many],
    ] as const) {
      await run(repo, 'local')();
      await run(repo, 'bench')();
      const t = await interleaved(runs, run(repo, 'local'), run(repo, 'bench'));
      const local = median(t.a);
      const remote = median(t.b);
      figures.push(
        { name: `${label}: local run (median)`, value: local, unit: 'ms' },
        { name: `${label}: through the manager (median)`, value: remote, unit: 'ms' },
        {
          name: `${label}: remote overhead`,
          value: remote - local,
          unit: 'ms',
          goal: `<= ${GOAL_MS} ms`,
          met: remote - local <= GOAL_MS,
        },
      );
    }
    return figures;
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('Remote manager over SSH vs local (issue 7)', await runRemoteManagerBench());
}
