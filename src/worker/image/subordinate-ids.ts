// NoRoot: mmdebstrap builds an image as a user only with newuidmap and the user's own subordinate
// uid and gid ranges, wide enough for a Debian system's ids (nobody is 65534).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { toolEnv } from '../tool-path.js';

const run = promisify(execFile);

export interface SubordinateFiles {
  subuid: string;
  subgid: string;
}

export const SUBORDINATE_FILES: SubordinateFiles = { subuid: '/etc/subuid', subgid: '/etc/subgid' };

const IDS_NEEDED = 65536;

/** The count of the user's range as mmdebstrap reads it: the first line that names the user. */
async function rangeSize(file: string, user: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, start, count] = line.split(':');
    if (name === user && start && count) return Number(count);
  }
  return 0;
}

async function hasNewuidmap(): Promise<boolean> {
  return run('sh', ['-c', 'command -v newuidmap && command -v newgidmap'], { env: toolEnv() }).then(
    () => true,
    () => false,
  );
}

/** What stops this user building an image with mmdebstrap, and what to do; undefined when nothing does. */
export async function imageBuildProblem(
  user: { uid: number; username: string } = userInfo(),
  files: SubordinateFiles = SUBORDINATE_FILES,
): Promise<string | undefined> {
  if (user.uid === 0) return undefined; // root maps ids without newuidmap or ranges
  if (!(await hasNewuidmap()))
    return 'newuidmap is missing, which mmdebstrap needs to build an image as a user: apt-get install uidmap';
  const short: { file: string; flag: string }[] = [];
  if ((await rangeSize(files.subuid, user.username)) < IDS_NEEDED)
    short.push({ file: files.subuid, flag: '--add-subuids' });
  if ((await rangeSize(files.subgid, user.username)) < IDS_NEEDED)
    short.push({ file: files.subgid, flag: '--add-subgids' });
  if (!short.length) return undefined;
  const add = short.map((s) => `${s.flag} 100000-165535`).join(' ');
  return (
    `${user.username} has no subordinate id range of ${IDS_NEEDED} in ${short.map((s) => s.file).join(' and ')}, which mmdebstrap needs to build an image as a user: ` +
    `add one no other user has, e.g. sudo usermod ${add} ${user.username}`
  );
}
