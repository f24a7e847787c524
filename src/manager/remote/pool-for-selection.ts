// The managers a selection names (NAME, A,B or '*') in the user's config.yaml, as one pool.
import { managersConfigPath, readManagersConfig, selectManagers } from './manager-config.js';
import { ManagerPool } from './manager-pool.js';

export async function poolForSelection(
  selection: string,
): Promise<{ pool: ManagerPool; where: string }> {
  const file = managersConfigPath();
  const managers = selectManagers(selection, await readManagersConfig(file), file);
  return {
    pool: new ManagerPool(managers),
    where: `managers:${managers.map((m) => m.name).join(',')}`,
  };
}
