// Replaces the host's workspace directory with the sanitised one, so a failure midway loses nothing.
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ownedPrefix } from '../worker/owner-tag.js';
import { sweepScratchDirs } from './scratch-dir.js';

const stagingLabel = (target: string): string => `.${basename(target)}.contractor-save`;

/**
 * A new directory beside `target`, on its file system, for the workspace to be saved in: files
 * the build left unchanged can then be linked from the old one, and the swap is a rename. Ones
 * that a killed save left there are removed first.
 */
export async function stagingBeside(target: string): Promise<string> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const label = stagingLabel(target);
  await sweepScratchDirs(parent, `${label}-`);
  return mkdtemp(join(parent, ownedPrefix(label)));
}

/**
 * `fresh` takes `target`'s place by rename. It is first moved (or, from another file system such
 * as a tmpfs /tmp, copied) beside the target, so the swap itself cannot fail half done; if it
 * still fails, the old directory is put back.
 */
export async function replaceDirectory(target: string, fresh: string): Promise<void> {
  const staged = `${target}.contractor-new-${process.pid}`;
  const old = `${target}.contractor-old-${process.pid}`;
  await mkdir(dirname(target), { recursive: true });
  await Promise.all([staged, old].map((p) => rm(p, { recursive: true, force: true })));
  await moveOrCopy(fresh, staged).catch(async (err: unknown) => {
    await rm(staged, { recursive: true, force: true });
    throw err;
  });
  const hadOld = await rename(target, old).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  try {
    await rename(staged, target);
  } catch (err) {
    if (hadOld) await rename(old, target);
    await rm(staged, { recursive: true, force: true });
    throw err;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

async function moveOrCopy(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // Links are copied as the links they are: the sanitised tree only holds ones that stay inside.
    await cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await rm(from, { recursive: true, force: true });
  }
}
