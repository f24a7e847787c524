// Replaces the host's workspace directory with the sanitised one, so a failure midway loses nothing.
import { rename, rm } from 'node:fs/promises';

export async function replaceDirectory(target: string, fresh: string): Promise<void> {
  const old = `${target}.contractor-old-${process.pid}`;
  await rm(old, { recursive: true, force: true });
  const hadOld = await rename(target, old).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  await rename(fresh, target);
  if (hadOld) await rm(old, { recursive: true, force: true });
}
