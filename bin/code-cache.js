// Loads a CommonJS bundle with V8's compiled code for it kept between runs, as Node 22's module
// compile cache does (Node 20 has none). A run that found no usable cache writes one when the
// command is done, with the functions it compiled: the next run of that command skips compiling.
//
// The cache is code we execute, so it is only read from, and written to, a directory that this
// user owns and nobody else can write: $XDG_CACHE_HOME/contractor or ~/.cache/contractor. V8
// checks little more than the source's length, so the file name carries the bundle's size, mtime
// and inode and the Node version: a rebuilt bundle never meets an old cache, and the first run
// after a rebuild removes the old one.
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** A directory only we can write, or undefined; made (0700) only under a home that is ours. */
function privateCacheDir() {
  const uid = process.geteuid?.();
  if (uid === undefined) return undefined;
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME && join(process.env.HOME, '.cache'));
  if (!base) return undefined;
  const dir = join(base, 'contractor');
  try {
    const owner = (p) => lstatSync(p, { throwIfNoEntry: false })?.uid;
    if ((owner(base) ?? owner(dirname(base))) === uid)
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

function readOwnFile(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.()) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Runs the bundle at path (CommonJS) and returns its exports, and save(), to call once the
 * command is done. `variant` names the command, so each keeps the code it compiles.
 */
export function loadBundle(path, variant) {
  if (!/^[a-z][a-z-]{0,80}$/.test(variant)) throw new Error(`bad code cache name ${variant}`);
  const source = readFileSync(path, 'utf8');
  const st = statSync(path);
  const dir = privateCacheDir();
  const hash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  // Which install and command, then which build of it: a newer build's cache replaces older ones.
  const family = `${variant}-${hash(path)}-`;
  const build = hash(`${st.size}\0${st.mtimeMs}\0${st.ino}\0${process.version}\0${process.arch}`);
  const cachePath = dir && join(dir, `${family}${build}.v8cache`);
  const cachedData = cachePath ? readOwnFile(cachePath) : undefined;
  const script = new Script(Module.wrap(source), { filename: path, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(path), module, path, dirname(path));
  return {
    exports: module.exports,
    save() {
      if (!cachePath || (cachedData && !script.cachedDataRejected)) return;
      try {
        // Written aside and renamed: a concurrent run reads the old file or the new, never half.
        const partial = `${cachePath}.${process.pid}`;
        writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
        renameSync(partial, cachePath);
        for (const name of readdirSync(dir))
          if (name.startsWith(family) && join(dir, name) !== cachePath) rmSync(join(dir, name));
      } catch {
        // A cache is an optimisation: a full disk or a read-only home only costs speed.
      }
    },
  };
}
