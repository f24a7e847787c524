// The App sending builds to remote managers: the real CLI manager behind real OpenSSH servers on
// 127.0.0.1, chosen by `--manager` from $CONTRACTOR_HOME/config.yaml as the CLI reads it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import { keyPaths } from '../../src/attest/key-paths.js';
import { appExecutor } from '../../src/github/app-executor.js';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { completed, startHarness, waitUntil } from '../helpers/app-harness.js';
import type { DoubleCheckRun } from '../helpers/github-double.js';
import { CONTRACTOR_BIN, managerCommand, startSshd, type TestSshd } from '../helpers/sshd.js';
import { tempDir } from '../helpers/tmp.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

const home = tempDir('contractor-app-manager-home-');
process.env.CONTRACTOR_HOME = home.path;
const managers: TestSshd[] = [];

test.before(async () => {
  for (const name of ['m1', 'm2']) {
    const s = await startSshd(name, (dir) => managerCommand(dir));
    // The manager's own signing key, as `contractor keys init` makes it on a manager host.
    await execa(process.execPath, [CONTRACTOR_BIN, 'keys', 'init'], {
      env: { CONTRACTOR_HOME: s.dir },
    });
    managers.push(s);
  }
  const entries = managers.map((s) => {
    const m = s.manager();
    return `  ${m.name}:\n    host: 127.0.0.1\n    port: ${m.port}\n    user: ${m.user}\n    key: ${m.key}\n    hostKey: "${m.hostKey}"\n    capacity: 1\n`;
  });
  writeFileSync(join(home.path, 'config.yaml'), `managers:\n${entries.join('')}`);
});

test.after(async () => {
  for (const s of managers) await s.stop();
  home.remove();
});

function pushOf(sha: string) {
  return retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha },
  );
}

const byName = (name: string | undefined) => managers.find((s) => s.name === name);
const builtOn = (run: DoubleCheckRun | undefined) =>
  /\| manager \| (m\d)/.exec(run?.output?.summary ?? '')?.[1];
const outDirOf = (dataDir: string, run: DoubleCheckRun | undefined) =>
  join(dataDir, 'runs', (run?.details_url ?? '').split('/runs/')[1] ?? 'none');

test('a push built on a manager concludes with its artifact signed by that manager key', async () => {
  const h = await startHarness({ execute: (await appExecutor('*')).execute });
  try {
    const sha = h.repo.commit({
      build: 'mkdir -p dist && echo hi > dist/hello.txt',
      allow: [],
      ref: 'refs/heads/remote',
    });
    await deliver(h.app.url, 'push', pushOf(sha));
    const [run] = await h.waitForRuns(sha, completed(), 180_000);
    assert.equal(run?.conclusion, 'success', run?.output?.summary);
    const manager = byName(builtOn(run));
    assert.ok(manager, `the check run names no manager: ${run?.output?.summary}`);
    const out = outDirOf(h.dataDir, run);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.deepEqual(result.manager, { name: manager.name, lost: [] });
    const verify = (key: string) =>
      execa(
        process.execPath,
        [
          CONTRACTOR_BIN,
          'verify',
          join(out, 'artifacts', 'dist', 'hello.txt'),
          '--attestation',
          result.attestation,
          '--key',
          key,
        ],
        { reject: false },
      );
    const ok = await verify(keyPaths(manager.dir).publicPath);
    assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
    const other = managers.find((s) => s !== manager) as TestSshd;
    assert.notEqual((await verify(keyPaths(other.dir).publicPath)).exitCode, 0);
    assert.deepEqual(h.double.problems, []);
  } finally {
    await h.close();
  }
});

test('a manager killed mid-build: the job moves to the other one and the check run concludes once', async () => {
  const h = await startHarness({ execute: (await appExecutor('m1,m2')).execute });
  try {
    const sha = h.repo.commit({
      build: 'sleep 3 && mkdir -p dist && echo built once | tee dist/hello.txt',
      allow: [],
      ref: 'refs/heads/killed',
    });
    await deliver(h.app.url, 'push', pushOf(sha));
    const { victim, pid } = await waitUntil(
      () => victimNow(),
      180_000,
      'the build to start on a manager',
    );
    process.kill(pid, 'SIGKILL');
    const [run] = await h.waitForRuns(sha, completed(), 180_000);
    assert.equal(run?.conclusion, 'success', run?.output?.summary);
    const survivor = managers.find((s) => s !== victim) as TestSshd;
    assert.equal(builtOn(run), survivor.name);
    assert.match(run?.output?.summary ?? '', new RegExp(`after ${victim.name} was lost mid-run`));
    const completions = (run?.updates ?? []).filter((u) => u.status === 'completed');
    assert.equal(completions.length, 1, JSON.stringify(run?.updates));
    assert.equal(h.double.runsFor(sha).length, 1);
    const log = readFileSync(join(outDirOf(h.dataDir, run), 'log.txt'), 'utf8');
    assert.equal(log.match(/built once/g)?.length, 1);
    assert.deepEqual(h.double.problems, []);
  } finally {
    await h.close();
  }
});

let latest: { victim: TestSshd; pid: number } | undefined;
// Polled synchronously by waitUntil; the directory listing is refreshed in the background.
function victimNow(): { victim: TestSshd; pid: number } | undefined {
  void (async () => {
    for (const s of managers) {
      const [job] = await new RunningJobs(join(s.dir, 'manager', 'running')).list();
      if (job) latest = { victim: s, pid: job.pid };
    }
  })();
  return latest;
}

test.run();
