// The App's data directory holds webhook payloads, build logs and artifacts of private repositories:
// only the App's own user may read it.
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { ContractorError } from '../errors.js';

/**
 * Creates the directory 0700, or tightens one this user owns that is looser (made by hand, or by
 * an App before this rule); refuses one owned by another user, which that user could still open.
 */
export async function prepareDataDir(dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory())
    throw new ContractorError('USAGE', `--data-dir ${dir} is not a directory; pass a directory`);
  if (st.uid !== process.getuid?.())
    throw new ContractorError(
      'USAGE',
      `--data-dir ${dir} belongs to uid ${st.uid}, not to the user running the App; chown it or pass another directory`,
    );
  if ((st.mode & 0o077) === 0) return;
  await chmod(dir, 0o700);
  log(`data directory ${dir} was mode ${(st.mode & 0o777).toString(8)}: tightened to 700`);
}
