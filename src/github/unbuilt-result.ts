// The result of a job that never reached a worker: no spec, a bad spec, a refused policy, a broken host.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodeForStatus } from '../manager/exit-status.js';
import type { JobResult, RunStatus } from '../manager/job.js';
import { DEFAULT_POLICY } from '../spec/policy.js';
import { writeResultFile } from '../manager/result-file.js';

export async function unbuiltResult(o: {
  id: string;
  outDir: string;
  commit: string;
  status: Extract<RunStatus, 'failed' | 'error'>;
  summary: string;
  policySource?: string;
}): Promise<JobResult> {
  const now = new Date().toISOString();
  await mkdir(o.outDir, { recursive: true });
  const log = join(o.outDir, 'log.txt');
  await writeFile(log, `${o.summary}\n`);
  const result: JobResult = {
    id: o.id,
    status: o.status,
    exitCode: exitCodeForStatus(o.status),
    summary: o.summary,
    commit: o.commit,
    tree: null,
    driver: DEFAULT_POLICY.driver,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    phases: [],
    violations: [],
    artifacts: [],
    outDir: o.outDir,
    log,
    network: [],
    policy: { source: o.policySource ?? 'none', allow: [], buildNetwork: false, limits: {} },
    attestation: null,
  };
  await writeResultFile(result);
  return result;
}
