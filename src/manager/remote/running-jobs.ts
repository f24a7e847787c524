// The jobs a manager host is running across all its SSH sessions: one file per job holding the
// serving process's pid, so a session killed outright stops counting as soon as its pid is gone.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processExists } from '../../worker/owner-tag.js';

export class RunningJobs {
  constructor(private readonly dir: string) {}

  async add(id: string, pid = process.pid): Promise<() => Promise<void>> {
    await mkdir(this.dir, { recursive: true });
    // Named by pid too: two clients may send the same job id, and each must count.
    const name = `${pid}-${id}`;
    const file = join(this.dir, name);
    // Written aside and renamed in: another session's list() must never read it half written,
    // take the empty pid for a dead one and remove a live job's entry.
    const partial = join(this.dir, `.${name}`);
    await writeFile(partial, `${pid}\n`);
    await rename(partial, file);
    return () => rm(file, { force: true });
  }

  /** Jobs whose serving process is still alive; stale entries are removed on the way. */
  async list(): Promise<{ id: string; pid: number }[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const live: { id: string; pid: number }[] = [];
    for (const id of names) {
      if (id.startsWith('.')) {
        // A partial entry is its writer's until renamed; one whose writer died is removed.
        const writer = Number(id.slice(1).split('-')[0]);
        if (!(writer > 0) || !processExists(writer)) await rm(join(this.dir, id), { force: true });
        continue;
      }
      const pid = Number((await readFile(join(this.dir, id), 'utf8').catch(() => '')).trim());
      if (pid > 0 && processExists(pid)) live.push({ id, pid });
      else await rm(join(this.dir, id), { force: true });
    }
    return live;
  }
}
