// Who runs a job: this machine's drivers, or a remote manager pool; the result has the same shape.
import { driverByName } from './drivers.js';
import type { JobRequest, JobResult } from './job.js';
import { withLocalSigning } from './local-signing.js';
import { runJob } from './run-job.js';

export type JobExecutor = (req: JobRequest) => Promise<JobResult>;

/** This machine's drivers, unsigned: a remote manager signs through its own hook, with its own key. */
export const unsignedLocalExecutor: JobExecutor = async (req) =>
  runJob(req, await driverByName(req.driver));

/** This machine's drivers, the result signed with the user's key from $CONTRACTOR_HOME. */
export const localExecutor: JobExecutor = withLocalSigning(unsignedLocalExecutor);
