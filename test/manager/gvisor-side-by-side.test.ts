// Issue 23.5: gvisor builds on a busy machine ended `error` with ENOENT stat …/out.tar. The cause
// was a manager in another pid namespace sharing the temporary directory: it read a live run's
// pid as gone and removed its scratch directory mid-build. Here several managers, each in a pid
// namespace of its own, run gvisor builds side by side beside a CPU hog, round after round.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { test } from 'uvu';
import { CONTRACTOR } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const MANAGERS = 3;
const ROUNDS = 3;

/** One `contractor run` in a pid namespace of its own; its result document. */
async function runInOwnPidNamespace(
  repo: string,
  env: Record<string, string | undefined>,
): Promise<{ status?: string; summary?: string; artifacts?: { path: string }[]; out: string }> {
  const asUser = process.geteuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  const r = await execa(
    'unshare',
    [
      ...asUser,
      '--pid',
      '--fork',
      '--mount-proc',
      process.execPath,
      CONTRACTOR,
      'run',
      '--no-cache',
      '--json',
      '--driver',
      'gvisor',
    ],
    { cwd: repo, env, reject: false, stdin: 'ignore', timeout: 240_000 },
  );
  try {
    return { ...JSON.parse(r.stdout), out: r.stderr };
  } catch {
    return { out: `exit ${r.exitCode}: ${r.stdout}\n${r.stderr}` };
  }
}

test('gvisor builds of managers in separate pid namespaces, beside a CPU hog, all pass', async () => {
  const tmp = tempDir();
  const home = tempDir();
  const repos = Array.from({ length: MANAGERS }, () =>
    makeRepo({
      '.contractor.yaml': 'build: |\n  echo hello > hello.txt\n  sleep 2\nartifacts: [hello.txt]\n',
    }),
  );
  const env = { ...process.env, TMPDIR: tmp.path, CONTRACTOR_HOME: home.path, NO_COLOR: '1' };
  const hog = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  const failures: string[] = [];
  try {
    repos.forEach((r) => r.commitAll('hello'));
    for (let round = 0; round < ROUNDS; round++) {
      // Staggered, so that each manager starts (and sweeps) while the others' builds run.
      const runs = repos.map(async (r, i) => {
        await new Promise((res) => setTimeout(res, i * 1500));
        return runInOwnPidNamespace(r.path, env);
      });
      for (const [i, result] of (await Promise.all(runs)).entries()) {
        const ok = result.status === 'passed' && result.artifacts?.[0]?.path === 'hello.txt';
        if (!ok)
          failures.push(
            `round ${round} manager ${i}: ${result.status} ${result.summary ?? ''} ${result.out.slice(-600)}`,
          );
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  } finally {
    hog.kill('SIGKILL');
    repos.forEach((r) => r.remove());
    tmp.remove();
    home.remove();
  }
});

test.run();
