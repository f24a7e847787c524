// Unpacks a tar the build produced, in user space, keeping nothing that could hurt the host.
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { x as extractTar } from 'tar';
import type { Violation } from '../net/violation.js';
import { entryPath, FILE_TYPES } from './tar-entry.js';
import { linkUnchanged, unchangedFiles } from './unchanged-files.js';
import { sweepUnpackedTree } from './unpacked-tree-sweep.js';

export interface UnpackOutcome {
  bytes: number;
  dropped: Violation[];
  overLimit: boolean;
  /** With keep: it accepted more than maxKept entries, and the rest were not written. */
  keptOver: boolean;
}

/**
 * A hard link names another entry of the archive, not a path to resolve: it must be a relative
 * name that never climbs (the extractor also refuses one reached through a symlink).
 */
export function hardLinkNameInside(linkpath: string): boolean {
  if (linkpath === '' || linkpath.includes('\0') || posix.isAbsolute(linkpath)) return false;
  return !linkpath.split('/').includes('..');
}

/** A link the build left is its output's doing; a device or fifo, an attempt on the file system. */
/** The extractor's own test: a target that climbs as text is never written (it may still not). */
function climbsAsText(entry: string, target: string): boolean {
  const resolved = posix.normalize(posix.join(posix.dirname(entry), target));
  return resolved === '..' || resolved.startsWith('../');
}

function dropped(path: string, e: TarEntry, detail: string): Violation {
  const kind = e.type === 'Link' || e.type === 'SymbolicLink' ? 'output' : 'filesystem';
  return { kind, phase: 'build', detail: `${path}: ${detail}` };
}

const KEPT_TYPES = [...FILE_TYPES, 'Directory', 'SymbolicLink', 'Link'];

interface TarEntry {
  type: string;
  linkpath?: string;
  size?: number;
  mode?: number;
}

/** Why an entry may not land on the host, or undefined when it may. */
function refusal(p: string, e: TarEntry): string | undefined {
  // Symlinks are admitted only once the tree is whole, by where they lead (sweepUnpackedTree).
  // These two the extractor would rewrite (strip the /) or skip unsaid, so they are refused here.
  if (e.type === 'SymbolicLink' && posix.isAbsolute(e.linkpath ?? ''))
    return `symlink to ${e.linkpath} leaves the workspace (it reaches the absolute ${e.linkpath})`;
  if (e.type === 'SymbolicLink' && climbsAsText(p, e.linkpath ?? ''))
    return `symlink to ${e.linkpath} leaves the workspace (its text climbs above it)`;
  if (e.type === 'Link' && !hardLinkNameInside(e.linkpath ?? ''))
    return `hard link to ${e.linkpath} leaves the workspace`;
  if (!KEPT_TYPES.includes(e.type)) return `${e.type} entries are not kept`;
  return undefined;
}

/** Extracts the entries `admit` accepts, by normalised path; none keeps a special permission bit. */
function extractAdmitted(
  tarFile: string,
  dest: string,
  admit: (path: string, entry: TarEntry) => boolean,
): Promise<void> {
  return extractTar({
    file: tarFile,
    cwd: dest,
    preservePaths: false,
    preserveOwner: false,
    noMtime: false,
    strict: false,
    filter: (path, entry) => {
      const e = entry as unknown as TarEntry;
      if (!admit(entryPath(path), e)) return false;
      if (e.mode !== undefined) e.mode &= 0o777;
      return true;
    },
  });
}

export interface UnpackOptions {
  /**
   * Every entry is still checked and counted, but only those it accepts (and the files a kept
   * hard link names) are written: a job with no workspace to save needs its artifacts, not a copy
   * of everything the build left behind.
   */
  keep?: (path: string) => boolean;
  /** With keep: once it has accepted more entries than this (directories aside), none is written. */
  maxKept?: number;
  /**
   * The saved workspace. Where it is on dest's file system, the files the archive holds
   * unchanged are linked from it, not written.
   */
  reuseFrom?: string;
}

/** A second pass for the named entries (directories aside), checked as the first pass checks. */
function extractOnly(tarFile: string, dest: string, names: Set<string>): Promise<void> {
  return extractAdmitted(
    tarFile,
    dest,
    (p, e) => names.has(p) && !refusal(p, e) && e.type !== 'Directory',
  );
}

/** A link can join them: the same file system. */
function sameFileSystem(a: string, b: string): boolean {
  const dev = (p: string): number | undefined => statSync(p, { throwIfNoEntry: false })?.dev;
  return dev(a) !== undefined && dev(a) === dev(b);
}

/**
 * FilesystemIsolation and HardDiskLimit on the way out: no symlink or hard link leaving the
 * tree, no device or fifo, no setuid/setgid/sticky bit, nothing past the size cap.
 */
export async function unpackSanitised(
  tarFile: string,
  dest: string,
  capBytes: number,
  { keep, maxKept = Infinity, reuseFrom }: UnpackOptions = {},
): Promise<UnpackOutcome> {
  const outcome: UnpackOutcome = { bytes: 0, dropped: [], overLimit: false, keptOver: false };
  const reused =
    reuseFrom && !keep && sameFileSystem(dest, reuseFrom)
      ? await unchangedFiles(tarFile, reuseFrom)
      : new Map<string, number>();
  const toLink = new Map<string, number>();
  let kept = 0;
  const skippedFiles = new Set<string>();
  const linksToSkipped = new Map<string, string>();
  await extractAdmitted(tarFile, dest, (p, e) => {
    const wanted = !keep || e.type === 'Directory' || keep(p);
    if (keep && wanted && e.type !== 'Directory' && ++kept > maxKept) outcome.keptOver = true;
    if (outcome.keptOver) return false;
    const refused = refusal(p, e);
    if (refused) {
      outcome.dropped.push(dropped(p, e, refused));
      return false;
    }
    outcome.bytes += e.size ?? 0;
    if (outcome.bytes > capBytes) {
      outcome.overLimit = true;
      return false;
    }
    if (!wanted) {
      if (FILE_TYPES.includes(e.type)) skippedFiles.add(p);
      return false;
    }
    if (reused.has(p)) {
      toLink.set(p, reused.get(p) as number); // counted above, linked below
      return false;
    }
    const target = e.type === 'Link' ? entryPath(e.linkpath ?? '') : undefined;
    if (target === undefined || !skippedFiles.has(target)) return true;
    linksToSkipped.set(p, target);
    return false;
  });
  // Rare: a kept hard link to a file that was skipped. Write both now, checked the same way
  // (an archive may hold a name twice), and never past the cap.
  if (linksToSkipped.size > 0 && !outcome.overLimit && !outcome.keptOver) {
    const wanted = new Set([...linksToSkipped.keys(), ...linksToSkipped.values()]);
    await extractOnly(tarFile, dest, wanted);
  }
  if (reuseFrom && toLink.size > 0) {
    const unlinked = await linkUnchanged(toLink, reuseFrom, dest);
    // Written from the archive after all; each name is in it once (unchangedFiles saw to that).
    if (unlinked.size > 0) await extractOnly(tarFile, dest, unlinked);
  }
  outcome.dropped.push(...(await sweepUnpackedTree(dest)));
  return outcome;
}
