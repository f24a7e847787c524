// The App with the real executor (runJob and the local driver): a pushed commit built in a worker.
// Skipped, saying why, until this machine's build has the namespace driver and the egress proxy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobExecutor } from '../../src/manager/executor.js';
import { completed, startHarness } from '../helpers/app-harness.js';
import { tempDir } from '../helpers/tmp.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

// The real executor signs with the key in $CONTRACTOR_HOME, made on first use: never the tester's own.
const home = tempDir('contractor-app-worker-home-');
process.env.CONTRACTOR_HOME = home.path;
test.after(() => home.remove());

async function realExecutor(): Promise<JobExecutor | string> {
  try {
    const { localExecutor } = await import('../../src/manager/executor.js');
    const { driverByName } = await import('../../src/manager/drivers.js');
    await driverByName('namespace');
    return localExecutor;
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'unavailable';
  }
}

const execute = await realExecutor();

test('a push is built in a real worker and its artifact digest reaches the check run', async () => {
  if (typeof execute === 'string') {
    console.log(`  skipped: the real executor is not available here (${execute})`);
    return;
  }
  const h = await startHarness({ execute });
  try {
    const sha = h.repo.commit({ build: 'mkdir -p dist && echo hi > dist/hello.txt', allow: [], ref: 'refs/heads/real' });
    const push = retarget(example('push', null, (x) => Boolean(x.installation) && x.deleted === false), {
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
    });
    await deliver(h.app.url, 'push', push);
    const [run] = await h.waitForRuns(sha, completed(), 120_000);
    assert.is(run?.conclusion, 'success', run?.output?.summary);
    // sha256("hi\n")
    assert.match(run?.output?.summary ?? '', /98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4/);
    assert.equal(h.double.problems, []);
  } finally {
    await h.close();
  }
});

test.run();
