// Where the App's builds run: this machine, or the managers `--manager` names in config.yaml, read
// and chosen exactly as `git contractor run --manager` does (NAME, A,B or * for the pool).
import { refusingAudit } from '../manager/audit-refusal.js';
import type { JobExecutor } from '../manager/executor.js';

export interface AppExecutor {
  execute: JobExecutor;
  /** `local`, or `managers:a,b`, for the start-up line. */
  where: string;
}

export async function appExecutor(selection: string | undefined): Promise<AppExecutor> {
  const chosen = await chosenExecutor(selection);
  return { ...chosen, execute: refusingAudit(chosen.execute, 'the GitHub App') };
}

async function chosenExecutor(selection: string | undefined): Promise<AppExecutor> {
  if (selection === undefined || selection.trim() === 'local') {
    const { localExecutor } = await import('../manager/executor.js');
    return { execute: localExecutor, where: 'local' };
  }
  const { poolForSelection } = await import('../manager/remote/pool-for-selection.js');
  // One pool for the App's life: a manager found dead is skipped by every job for a while.
  const { pool, where } = await poolForSelection(selection);
  return { execute: (req) => pool.run(req), where };
}
