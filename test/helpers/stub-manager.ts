// A manager process for SSH-layer tests: the real serveStdio over the real stdin/stdout, with the
// stub executor in place of a worker. STUB_HANG=1 makes jobs wait for cancellation, which is
// then recorded as a file `cancelled-<job id>` in $CONTRACTOR_HOME.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { serveStdio } from '../../src/manager/serve-stdio.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { stubExecutor } from './stub-executor.js';

const home = process.env.CONTRACTOR_HOME as string;
try {
  await serveStdio({
    input: process.stdin,
    output: process.stdout,
    execute: stubExecutor({
      hang: process.env.STUB_HANG === '1',
      onStart: (req) =>
        req.signal?.addEventListener('abort', () =>
          writeFileSync(join(home, `cancelled-${req.id}`), ''),
        ),
    }),
    ceiling: { policy: DEFAULT_POLICY, source: 'stub' },
    running: new RunningJobs(join(home, 'manager', 'running')),
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 5;
} finally {
  process.stdin.destroy();
}
