// Collects the spec's artifacts from the sanitised workspace: regular files only, never through a link.
import { sha256File } from '../attest/file-digest.js';
import { copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ArtifactPattern } from './artifact-patterns.js';
import type { Artifact } from './job.js';

export interface ArtifactCollection {
  artifacts: Artifact[];
  /** Patterns that matched no regular file. */
  unmatched: string[];
  /** Matches that were links or not regular files, and so were not collected. */
  refused: string[];
}

async function* walk(
  root: string,
  dir = root,
): AsyncGenerator<{ rel: string; kind: 'file' | 'other' }> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const st = await lstat(path);
    const rel = relative(root, path).split(sep).join('/');
    if (st.isDirectory()) yield* walk(root, path);
    else yield { rel, kind: st.isFile() ? 'file' : 'other' };
  }
}

export async function collectArtifacts(
  srcDir: string,
  patterns: ArtifactPattern[],
  outDir: string,
): Promise<ArtifactCollection> {
  const hits = new Set<string>();
  const result: ArtifactCollection = { artifacts: [], unmatched: [], refused: [] };
  for await (const entry of walk(srcDir)) {
    const matched = patterns.filter(({ re }) => re.test(entry.rel));
    if (!matched.length) continue;
    matched.forEach(({ pattern }) => hits.add(pattern));
    if (entry.kind !== 'file') {
      result.refused.push(entry.rel);
      continue;
    }
    const from = join(srcDir, entry.rel);
    const to = join(outDir, entry.rel);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
    const size = (await lstat(to)).size;
    result.artifacts.push({ path: entry.rel, size, sha256: await sha256File(to) });
  }
  result.unmatched = patterns.map((p) => p.pattern).filter((p) => !hits.has(p));
  result.artifacts.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}
