// Where the App's builds run: this machine, or the managers `--manager` names in config.yaml, read
// and chosen exactly as `git contractor run --manager` does (NAME, A,B or * for the pool).
import type { JobExecutor } from '../manager/executor.js';

export interface AppExecutor {
  execute: JobExecutor;
  /** `local`, or `managers:a,b`, for the start-up line. */
  where: string;
}

export async function appExecutor(selection: string | undefined): Promise<AppExecutor> {
  if (selection === undefined || selection.trim() === 'local') {
    const { localExecutor } = await import('../manager/executor.js');
    return { execute: localExecutor, where: 'local' };
  }
  const { managersConfigPath, readManagersConfig, selectManagers } =
    await import('../manager/remote/manager-config.js');
  const { ManagerPool } = await import('../manager/remote/manager-pool.js');
  const file = managersConfigPath();
  const managers = selectManagers(selection, await readManagersConfig(file), file);
  // One pool for the App's life: a manager found dead is skipped by every job for a while.
  const pool = new ManagerPool(managers);
  return {
    execute: (req) => pool.run(req),
    where: `managers:${managers.map((m) => m.name).join(',')}`,
  };
}
