// Who runs a job: this machine's drivers, or a remote manager pool; the result has the same shape.
import { driverByName } from './drivers.js';
import type { JobRequest, JobResult } from './job.js';
import { runJob } from './run-job.js';

export type JobExecutor = (req: JobRequest) => Promise<JobResult>;

export const localExecutor: JobExecutor = async (req) =>
  runJob(req, await driverByName(req.driver));
