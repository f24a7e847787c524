// The result of a job no manager could finish: status error, naming why, in the same shape
// and the same output directory as any other result.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodeForStatus } from '../exit-status.js';
import type { JobRequest, JobResult } from '../job.js';
import { writeResultFile } from '../result-file.js';

export async function unfinishedResult(
  req: JobRequest,
  started: Date,
  summary: string,
): Promise<JobResult> {
  const finished = new Date();
  await mkdir(req.outDir, { recursive: true });
  const log = join(req.outDir, 'log.txt');
  await writeFile(log, `${summary}\n`);
  const result: JobResult = {
    id: req.id,
    status: 'error',
    exitCode: exitCodeForStatus('error'),
    summary,
    commit: req.commit ?? null,
    tree: req.tree ?? null,
    driver: req.driver,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    phases: [],
    violations: [],
    artifacts: [],
    outDir: req.outDir,
    log,
    network: [],
    policy: {
      source: req.policy.source,
      allow: req.policy.allow,
      buildNetwork: req.policy.buildNetwork,
      limits: { ...req.policy.limits },
    },
    attestation: null,
  };
  await writeResultFile(result);
  return result;
}
