// Collects the spec's artifacts from the sanitised workspace: regular files only, never through a link.
import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { artifactOverflow, MAX_ARTIFACTS, type ArtifactPattern } from './artifact-patterns.js';
import type { Artifact } from './job.js';

export interface ArtifactCollection {
  artifacts: Artifact[];
  /** Patterns that matched no regular file. */
  unmatched: string[];
  /** Matches that were links or not regular files, and so were not collected. */
  refused: string[];
  /** Set when the patterns matched more than `max` entries: then none is collected. */
  overflow?: string;
  /** Set when the source directory itself is a link or no directory: nothing is collected. */
  srcNotADirectory?: boolean;
}

/** Every entry under root, depth first, from the directory listings alone (no stat per entry). */
async function* walk(
  root: string,
  dir = '',
): AsyncGenerator<{ rel: string; kind: 'file' | 'other' }> {
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(root, rel);
    else yield { rel, kind: entry.isFile() ? 'file' : 'other' };
  }
}

/** Nothing is copied until the walk is done: past `max` matches, nothing is. */
export async function collectArtifacts(
  srcDir: string,
  patterns: ArtifactPattern[],
  outDir: string,
  max = MAX_ARTIFACTS,
): Promise<ArtifactCollection> {
  const hits = new Set<string>();
  const result: ArtifactCollection = { artifacts: [], unmatched: [], refused: [] };
  // FilesystemIsolation: a src/ the build made a link is never listed through, wherever it leads.
  if (!(await lstat(srcDir).catch(() => undefined))?.isDirectory())
    return { ...result, unmatched: patterns.map((p) => p.pattern), srcNotADirectory: true };
  const files: string[] = [];
  let matches = 0;
  for await (const entry of walk(srcDir)) {
    const matched = patterns.filter(({ re }) => re.test(entry.rel));
    if (!matched.length) continue;
    if (++matches > max)
      return { ...result, refused: [], overflow: artifactOverflow(patterns, max) };
    matched.forEach(({ pattern }) => hits.add(pattern));
    if (entry.kind === 'file') files.push(entry.rel);
    else result.refused.push(entry.rel);
  }
  for (const rel of files) {
    const artifact = await copyRegularFile(srcDir, rel, outDir);
    if (artifact) result.artifacts.push(artifact);
    else result.refused.push(rel);
  }
  result.unmatched = patterns.map((p) => p.pattern).filter((p) => !hits.has(p));
  result.artifacts.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}

/**
 * Copies and hashes in one read. Opened with O_NOFOLLOW and checked with fstat, never copied by
 * name: the walk reached `rel` through real directories only, and nothing writes to the
 * sanitised tree (host-owned, the build ended), so the name still leads where the walk saw.
 */
async function copyRegularFile(
  srcDir: string,
  rel: string,
  outDir: string,
): Promise<Artifact | undefined> {
  const from = await open(join(srcDir, rel), constants.O_RDONLY | constants.O_NOFOLLOW).catch(
    () => undefined,
  );
  if (!from) return undefined;
  try {
    const st = await from.stat();
    if (!st.isFile()) return undefined;
    const to = join(outDir, rel);
    await mkdir(dirname(to), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    // Large reads: each one is a trip through libuv's thread pool.
    const source = from.createReadStream({ autoClose: false, highWaterMark: 1024 * 1024 });
    source.on('data', (c) => ((size += c.length), hash.update(c)));
    await pipeline(source, createWriteStream(to, { flags: 'wx', mode: st.mode & 0o777 }));
    return { path: rel, size, sha256: hash.digest('hex') };
  } finally {
    await from.close();
  }
}
