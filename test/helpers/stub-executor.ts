// A job executor that stands in for a worker in protocol tests: it reads the whole source,
// streams some events, writes a log and one artifact (the source's sha256), and can hang
// until cancelled. The real driver is exercised by test/e2e.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobExecutor } from '../../src/manager/executor.js';
import {
  sourceOf,
  type JobRequest,
  type JobResult,
  type RunStatus,
} from '../../src/manager/job.js';

export interface StubBehaviour {
  /** Wait for cancellation after the build phase starts. */
  hang?: boolean;
  /** Extra output events to emit. */
  lines?: number;
  onStart?: (req: JobRequest) => void;
  /** How the build ends when not cancelled (default passed). */
  status?: RunStatus;
}

export function stubExecutor(b: StubBehaviour = {}): JobExecutor {
  return async (req) => {
    const started = new Date();
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of sourceOf(req)()) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    b.onStart?.(req);
    req.onEvent?.({ type: 'phase', phase: 'build', at: Date.now() });
    let log = '';
    for (let i = 0; i < (b.lines ?? 1); i++) {
      const line = `line ${i} of ${bytes} bytes\n`;
      log += line;
      req.onEvent?.({ type: 'output', phase: 'build', stream: 'stdout', chunk: Buffer.from(line) });
    }
    let cancelled = false;
    if (b.hang)
      cancelled = await new Promise<boolean>((resolve) => {
        if (req.signal?.aborted) resolve(true);
        req.signal?.addEventListener('abort', () => resolve(true));
      });
    const digest = hash.digest('hex');
    await mkdir(join(req.outDir, 'artifacts'), { recursive: true });
    await writeFile(join(req.outDir, 'log.txt'), log);
    await writeFile(join(req.outDir, 'artifacts', 'digest.txt'), digest);
    const finished = new Date();
    const result: JobResult = {
      id: req.id,
      status: cancelled ? 'error' : (b.status ?? 'passed'),
      exitCode: cancelled ? 5 : b.status && b.status !== 'passed' ? 1 : 0,
      summary: cancelled ? 'the job was cancelled' : `build ${b.status ?? 'passed'}`,
      commit: req.commit ?? null,
      tree: req.tree ?? null,
      driver: req.driver,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      phases: [{ name: 'build', exitCode: 0, durationMs: 1 }],
      violations: [],
      artifacts: [
        {
          path: 'digest.txt',
          size: digest.length,
          sha256: createHash('sha256').update(digest).digest('hex'),
        },
      ],
      outDir: req.outDir,
      log: join(req.outDir, 'log.txt'),
      network: [],
      policy: {
        source: req.policy.source,
        allow: req.policy.allow,
        buildNetwork: req.policy.buildNetwork,
        limits: { ...req.policy.limits },
      },
      attestation: null,
    };
    return result;
  };
}
