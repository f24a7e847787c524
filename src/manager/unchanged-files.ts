// Which files of a build's output tar the saved workspace already holds, byte for byte: those are
// hard-linked from it instead of written again. Creating a file is what costs (0.9 ms each on this
// host's ext4, against 0.02 ms for a link), and a cache mostly comes back as it went in.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  linkSync,
  openSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  type Dirent,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { t as listTar } from 'tar';
import { turnEvery } from './event-loop-turns.js';
import { entryPath, FILE_TYPES } from './tar-entry.js';

/** A regular file of the saved workspace that a link could stand for. */
interface PreviousFile {
  size: number;
  mode: number;
  mtimeMs: number;
  ino: number;
}

/** The mode a file is written with: the entry's permission bits, less this process's umask. */
function writtenMode(entryMode: number | undefined): number {
  return (entryMode ?? 0o644) & 0o777 & ~umask();
}

let cachedUmask: number | undefined;

/** Read from /proc: process.umask() with no argument is deprecated, as it briefly changes it. */
function umask(): number {
  if (cachedUmask === undefined) {
    const line = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    cachedUmask = line ? parseInt(line[1] as string, 8) : 0o022;
  }
  return cachedUmask;
}

/**
 * The saved workspace's regular files by relative path, reached through real directories only
 * (never through a link the user left there), each with one link and no special bit: a file a
 * new name may share without sharing anything else.
 */
async function previousFiles(root: string): Promise<Map<string, PreviousFile>> {
  const files = new Map<string, PreviousFile>();
  const turn = turnEvery();
  const walk = async (rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of entries) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(path);
      if (!d.isFile()) continue;
      await turn();
      const st = lstatSync(join(root, path), { throwIfNoEntry: false });
      if (!st?.isFile() || st.nlink !== 1 || st.mode & 0o7000) continue;
      files.set(path, { size: st.size, mode: st.mode & 0o777, mtimeMs: st.mtimeMs, ino: st.ino });
    }
  };
  await walk('');
  return files;
}

/** Files up to this size are read whole, synchronously: 4 trips to the thread pool cost more. */
const SYNC_READ_MAX = 64 * 1024;

/** A saved file is read as the file the walk saw, never through a link put in its place. */
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

function smallFileDigest(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, NO_FOLLOW);
    return createHash('sha256').update(readFileSync(fd)).digest('hex');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function largeFileDigest(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    const file = await open(path, NO_FOLLOW);
    for await (const chunk of file.createReadStream()) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/**
 * The paths of regular file entries whose bytes, written mode and mtime equal those of the same
 * path under `previousDir`, each with the inode it had there. Left out, to be written as usual:
 * a name the archive holds twice, one a hard link entry names, one under a path that any entry
 * makes something other than a directory (the extractor never writes through a link; a link
 * made here must not either), and every name of an archive holding an absolute or climbing one.
 */
export async function unchangedFiles(
  tarFile: string,
  previousDir: string,
): Promise<Map<string, number>> {
  const unchanged = new Map<string, number>();
  const previous = await previousFiles(previousDir);
  if (previous.size === 0) return unchanged;
  const seen = new Set<string>();
  const twice = new Set<string>();
  const notDirs = new Set<string>();
  const linkTargets = new Set<string>();
  const digests = new Map<string, Promise<string>>();
  let odd = false;
  await listTar({
    file: tarFile,
    onReadEntry: (entry) => {
      // Names the extractor refuses or rewrites (it strips a leading /): an archive holding one
      // is no honest tar's, and is written as it comes, nothing linked.
      if (odd || entry.path.startsWith('/') || entry.path.split('/').includes('..')) {
        odd = true;
        return;
      }
      const path = entryPath(entry.path);
      if (seen.has(path)) twice.add(path);
      seen.add(path);
      if (entry.type !== 'Directory') notDirs.add(path);
      if (entry.type === 'Link' && entry.linkpath) linkTargets.add(entryPath(entry.linkpath));
      const old = previous.get(path);
      if (
        !old ||
        !FILE_TYPES.includes(entry.type) ||
        old.size !== entry.size ||
        old.mode !== writtenMode(entry.mode) ||
        old.mtimeMs !== entry.mtime?.getTime()
      )
        return;
      // Hashed as the listing reads it: nothing of the archive is held in memory.
      const hash = createHash('sha256');
      entry.on('data', (c: Buffer) => hash.update(c));
      digests.set(
        path,
        new Promise((resolve) => entry.on('end', () => resolve(hash.digest('hex')))),
      );
    },
  });
  if (odd) return unchanged;
  const underNonDir = (path: string): boolean => {
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1))
      if (notDirs.has(path.slice(0, i))) return true;
    return false;
  };
  const turn = turnEvery();
  for (const [path, digest] of digests) {
    if (twice.has(path) || linkTargets.has(path) || underNonDir(path)) continue;
    const file = join(previousDir, path);
    const { size, ino } = previous.get(path) as PreviousFile;
    const small = size <= SYNC_READ_MAX;
    if (small) await turn();
    const old = small ? smallFileDigest(file) : await largeFileDigest(file);
    if (old === (await digest)) unchanged.set(path, ino);
  }
  return unchanged;
}

/**
 * Links each unchanged file from `previousDir` into `dest`, whose directories the archive made
 * (no entry made any part of the path something else). Returns the paths it could not link to
 * the very file that was read: gone, or replaced since (another save of the same workspace), or
 * on another file system. Those are for the archive to write after all.
 */
export async function linkUnchanged(
  unchanged: Map<string, number>,
  previousDir: string,
  dest: string,
): Promise<Set<string>> {
  const unlinked = new Set<string>();
  const made = new Set<string>();
  const turn = turnEvery();
  for (const [path, ino] of unchanged) {
    await turn();
    const to = join(dest, path);
    // A directory the archive did not list is made here, as the extractor would have.
    const dir = dirname(to);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    try {
      linkSync(join(previousDir, path), to);
    } catch {
      unlinked.add(path);
      continue;
    }
    if (lstatSync(to).ino !== ino) {
      unlinkSync(to);
      unlinked.add(path);
    }
  }
  return unlinked;
}
