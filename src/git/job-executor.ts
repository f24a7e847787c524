// Where `git contractor run` and the pre-push hook send a job: --manager, else git config
// contractor.manager, else this machine. `local` forces a local run whatever git config says.
import { discardWarmWorker } from '../manager/drivers.js';
import { localExecutor, type JobExecutor } from '../manager/executor.js';
import { gitConfig } from './repository.js';
import { isLocalSelection } from './revision-start.js';

export interface ChosenExecutor {
  execute: JobExecutor;
  /** `local`, or `managers:a,b`: part of the cache key, since the worker differs. */
  where: string;
  /** Closes what the executor opened ahead of a job that did not run (a cache hit, an error). */
  release: () => void;
}

export async function chooseExecutor(root: string, flag?: string): Promise<ChosenExecutor> {
  const selection = flag ?? (await gitConfig(root, 'contractor.manager'));
  if (isLocalSelection(selection))
    return { execute: localExecutor, where: 'local', release: () => undefined };
  discardWarmWorker(); // the job runs on a remote manager
  // Loaded only for remote runs: ssh2 and the pool cost a local pre-push hook time on every push.
  const { poolForSelection } = await import('../manager/remote/pool-for-selection.js');
  const { pool, where } = await poolForSelection(selection);
  pool.warm();
  return {
    execute: (req) => pool.run(req),
    release: () => pool.release(),
    where,
  };
}
