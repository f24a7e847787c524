// The App killed with SIGKILL while jobs are queued and running, then restarted: nothing lost, nothing doubled.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { APP_ID, waitUntil } from '../helpers/app-harness.js';
import { appKeys } from '../helpers/app-keys.js';
import { spawnApp } from '../helpers/app-process-control.js';
import { GitHubDouble } from '../helpers/github-double.js';
import { tempDir } from '../helpers/tmp.js';
import { deliver, example, retarget, TEST_SECRET } from '../helpers/webhook-examples.js';

const PUSH_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

test('SIGKILL with jobs queued and running: after a restart every sha has one check run, completed once', async () => {
  const tmp = tempDir('contractor-restart-');
  const keys = appKeys();
  const double = await GitHubDouble.start({
    appId: APP_ID,
    publicKey: keys.publicKey,
    gitRoot: tmp.path,
  });
  const config = {
    appId: APP_ID,
    privateKeyPem: keys.privateKeyPem,
    secret: TEST_SECRET,
    apiUrl: double.apiUrl,
    gitUrl: double.url,
    dataDir: join(tmp.path, 'app'),
    port: 0,
    buildMs: 300,
    concurrency: 2,
    gateFile: join(tmp.path, 'gate'),
  };
  try {
    const first = await spawnApp(config, tmp.path);
    const push = example('push', null, (x) => Boolean(x.installation) && x.deleted === false);
    const shas = Array.from({ length: 20 }, () => randomBytes(20).toString('hex'));
    // One branch each: a newer push to one branch would replace the build of the one before.
    const pushOf = (sha: string) => ({
      ...retarget(push, { [PUSH_SHA]: sha }),
      ref: `refs/heads/b-${sha}`,
    });
    for (const sha of shas) {
      const r = await deliver(first.url, 'push', pushOf(sha));
      assert.is(r.status, 202);
    }
    const done = () => double.checkRuns.filter((r) => r.status === 'completed').length;
    // Killed while a build runs (held inside the runner by the gate): that one is re-queued.
    await waitUntil(() => done() >= 3, 120_000, 'three builds');
    writeFileSync(config.gateFile, '');
    await waitUntil(() => existsSync(`${config.gateFile}.held`), 120_000, 'a build held running');
    await first.kill();
    rmSync(config.gateFile);
    const before = done();
    assert.ok(before < shas.length, 'jobs were still queued when the App died');
    const second = await spawnApp({ ...config, port: first.port }, tmp.path);
    // A redelivery of something already accepted before the crash is still a duplicate.
    const again = await deliver(second.url, 'push', pushOf(shas[0] as string));
    assert.ok(again.status === 200 || again.status === 202);
    await waitUntil(() => done() === shas.length, 120_000, 'all builds after the restart');
    await new Promise((r) => setTimeout(r, 500));
    await second.kill();
    for (const sha of shas) {
      const runs = double.runsFor(sha);
      assert.is(runs.length, 1, `one check run for ${sha}`);
      assert.is(runs[0]?.conclusion, 'success');
      assert.is(
        runs[0]?.updates.filter((u) => u.status === 'completed').length,
        1,
        'completed once',
      );
    }
    assert.match(second.stderr(), /resuming: \d+ job\(s\) re-queued/);
    assert.equal(double.problems, []);
  } finally {
    await double.close();
    tmp.remove();
  }
});

test.run();
