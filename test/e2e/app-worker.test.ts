// The App with the real executor (runJob and the namespace driver): pushed commits built in a worker.
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

const { localExecutor: execute } = await import('../../src/manager/executor.js');

function pushOf(sha: string) {
  return retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    {
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha,
    },
  );
}

test('a push is built in a real worker and its artifact digest reaches the check run', async () => {
  const h = await startHarness({ execute });
  try {
    const sha = h.repo.commit({
      build: 'mkdir -p dist && echo hi > dist/hello.txt',
      allow: [],
      ref: 'refs/heads/real',
    });
    await deliver(h.app.url, 'push', pushOf(sha));
    const [run] = await h.waitForRuns(sha, completed(), 120_000);
    assert.is(run?.conclusion, 'success', run?.output?.summary);
    // sha256("hi\n")
    assert.match(
      run?.output?.summary ?? '',
      /98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4/,
    );
    assert.equal(h.double.problems, []);
  } finally {
    await h.close();
  }
});

test('a build that tries a direct connection concludes failure, with the violation in the summary', async () => {
  const h = await startHarness({ execute });
  try {
    const build =
      'python3 -c "import socket; s=socket.socket(); s.settimeout(2); s.connect_ex((\'192.0.2.9\', 4444))"';
    const sha = h.repo.commit({ build, allow: [], ref: 'refs/heads/sneaky' });
    await deliver(h.app.url, 'push', pushOf(sha));
    const [run] = await h.waitForRuns(sha, completed(), 120_000);
    // Never neutral or skipped: branch protection would count those as passing.
    assert.is(run?.conclusion, 'failure', run?.output?.summary);
    assert.match(run?.output?.summary ?? '', /violation/);
    assert.match(run?.output?.summary ?? '', /192\.0\.2\.9/);
    if (process.env.CONTRACTOR_PRINT_CHECK_RUN) console.log(JSON.stringify(run?.output, null, 2));
    assert.equal(h.double.problems, []);
  } finally {
    await h.close();
  }
});

test.run();
