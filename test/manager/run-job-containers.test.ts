// runJob and containers: true: handed to the vm driver (which starts the filtered engine) with the
// flag set, and its container refusals become the job's violations; any other driver is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { ContractorError } from '../../src/errors.js';
import { runJob } from '../../src/manager/run-job.js';
import type { Driver, WorkerJob } from '../../src/worker/driver.js';
import type { DriverName } from '../../src/spec/types.js';
import { jobRequest } from '../helpers/in-process-manager.js';
import { tempDir } from '../helpers/tmp.js';

const SPEC = 'build: docker run --privileged x\ncontainers: true\n';

/** A real tar for the job's source, as a real driver would be given. */
const SOURCE = (() => {
  const d = tempDir();
  execFileSync('touch', [join(d.path, 'Dockerfile')]);
  const tar = execFileSync('tar', ['-c', '-f', '-', '-C', d.path, '.']);
  d.remove();
  return tar;
})();

/** Stands in for a worker that reports one refused container call, as the vm driver does. */
function standIn(name: DriverName, seen: WorkerJob[]): Driver {
  return {
    name,
    probe: () => Promise.resolve({ driver: name, ok: true, detail: 'stand-in' }),
    async run(job) {
      seen.push(job);
      for await (const _ of job.input()) void _;
      const dir = `${job.outputTar}.d`;
      mkdirSync(join(dir, 'src'), { recursive: true });
      execFileSync('tar', ['-c', '-f', job.outputTar, '-C', dir, '.']);
      job.onEvent({ type: 'phase', phase: 'build', at: Date.now() });
      return {
        phases: [{ name: 'build', exitCode: 0, durationMs: 1, startedAt: Date.now() }],
        violations: [
          { kind: 'container', phase: 'build', detail: 'contractor refused HostConfig.Privileged' },
        ],
        outputComplete: true,
      };
    },
  };
}

test('the vm driver gets containers: true, and its container refusals fail the job', async () => {
  const out = tempDir();
  const seen: WorkerJob[] = [];
  const req = jobRequest(out.path, { spec: SPEC, source: SOURCE, policy: { containers: true } });
  const result = await runJob(req, standIn('vm', seen));
  assert.equal(seen[0]?.containers, true);
  assert.equal(result.status, 'violation');
  assert.equal(result.violations[0]?.kind, 'container');
  assert.match(result.violations[0]?.detail ?? '', /HostConfig\.Privileged/);
  out.remove();
});

test('a driver other than vm is refused before it runs, naming the driver', async () => {
  const out = tempDir();
  const seen: WorkerJob[] = [];
  const req = jobRequest(out.path, { spec: SPEC, source: SOURCE, policy: { containers: true } });
  await assert.rejects(
    runJob(req, standIn('gvisor', seen)),
    (err: unknown) =>
      err instanceof ContractorError && err.code === 'POLICY' && /gvisor driver/.test(err.message),
  );
  assert.equal(seen.length, 0);
  out.remove();
});

test.run();
