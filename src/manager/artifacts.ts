// Collects the spec's artifacts from the sanitised workspace: regular files only, never through a link.
import { sha256File } from '../attest/file-digest.js';
import { copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    const to = join(outDir, rel);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(join(srcDir, rel), to);
    const size = (await lstat(to)).size;
    result.artifacts.push({ path: rel, size, sha256: await sha256File(to) });
  }
  result.unmatched = patterns.map((p) => p.pattern).filter((p) => !hits.has(p));
  result.artifacts.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}
