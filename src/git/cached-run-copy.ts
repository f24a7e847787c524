// A cached pass copied into the --out directory the user asked for: result, log, artifacts and
// attestation, each checked against the digest recorded when it was built.
import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { JobResult } from '../manager/job.js';
import { writeResultFile } from '../manager/result-file.js';
import { BUNDLE_FILE } from '../attest/write-attestation.js';

/** Copies `from` to `to` (never through a link) and returns the sha256 of what was copied. */
async function copyHashed(from: string, to: string): Promise<string> {
  const file = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!(await file.stat()).isFile()) throw new Error(`${from} is not a regular file`);
    await mkdir(dirname(to), { recursive: true });
    const hash = createHash('sha256');
    const source = file.createReadStream({ autoClose: false });
    source.on('data', (c) => hash.update(c));
    await pipeline(source, createWriteStream(to));
    return hash.digest('hex');
  } finally {
    await file.close();
  }
}

/**
 * True while the directory a cached run wrote still holds that run: a later run given the same
 * --out replaces its files, and then the cache entry has nothing to answer with.
 */
export async function runFilesIntact(result: JobResult): Promise<boolean> {
  try {
    const there = JSON.parse(await readFile(join(result.outDir, 'result.json'), 'utf8')) as {
      id?: unknown;
    };
    return there.id === result.id;
  } catch {
    return false;
  }
}

/**
 * The cached result as if it had been built into `outDir`; throws when a file of the first run is
 * gone or no longer what was recorded, so the caller builds again instead.
 */
export async function copyCachedRun(result: JobResult, outDir: string): Promise<JobResult> {
  // Asked for the directory the first run wrote: its files are there already (a copy onto itself would empty them).
  if (resolve(outDir) === resolve(result.outDir)) {
    await writeResultFile(result);
    return result;
  }
  await mkdir(outDir, { recursive: true });
  const log = join(outDir, 'log.txt');
  await copyHashed(result.log, log);
  for (const a of result.artifacts) {
    const digest = await copyHashed(
      join(result.outDir, 'artifacts', a.path),
      join(outDir, 'artifacts', a.path),
    );
    if (digest !== a.sha256) throw new Error(`artifact ${a.path} changed since it was built`);
  }
  let attestation: string | null = null;
  if (result.attestation) {
    attestation = join(outDir, basename(result.attestation));
    await copyHashed(result.attestation, attestation);
    await copyHashed(join(result.outDir, BUNDLE_FILE), join(outDir, BUNDLE_FILE)).catch(
      () => undefined,
    );
  }
  const copied = { ...result, outDir, log, attestation };
  await writeResultFile(copied);
  return copied;
}
