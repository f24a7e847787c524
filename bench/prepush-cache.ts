// The pre-push gate's cost when the tree already passed: a push with the hook against the same push
// with --no-verify, interleaved, in a real repository with a bare remote.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaved, median, printFigures, type BenchFigure } from './measure.js';

const BIN = fileURLToPath(new URL('../../bin/git-contractor.js', import.meta.url));

export async function runPrePushCacheBench(
  runs = Number(process.env.BENCH_RUNS ?? 7),
): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-push-'));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b.invalid',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b.invalid',
  };
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const remote = join(dir, 'remote.git');
    const repo = join(dir, 'repo');
    git(dir, 'init', '-q', '--bare', remote);
    git(dir, 'init', '-q', '-b', 'main', repo);
    writeFileSync(join(repo, '.contractor.yaml'), 'build: test -f hello.c\n');
    writeFileSync(join(repo, 'hello.c'), 'int main(void) { return 0; }\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'bench');
    git(repo, 'remote', 'add', 'origin', remote);
    execFileSync(process.execPath, [BIN, 'hooks', 'install'], { cwd: repo, env, stdio: 'ignore' });
    git(repo, 'push', '-q', 'origin', 'main'); // the first push builds and fills the cache
    let n = 0;
    const push = (verify: boolean) => (): void => {
      const branch = `b${n++}`;
      git(
        repo,
        'push',
        '-q',
        ...(verify ? [] : ['--no-verify']),
        'origin',
        `HEAD:refs/heads/${branch}`,
      );
    };
    const t = await interleaved(runs, push(false), push(true));
    const cached = median(t.b);
    const bare = median(t.a);
    return [
      { name: 'push without hook (--no-verify, median)', value: bare, unit: 'ms' },
      {
        name: 'push of an already-passed tree (median)',
        value: cached,
        unit: 'ms',
        goal: '< 500 ms',
        met: cached < 500,
      },
      { name: 'hook fixed overhead', value: cached - bare, unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('Pre-push gate (issue 5)', await runPrePushCacheBench());
}
