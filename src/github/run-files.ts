// A finished run's record as files (result, log, attestation, listed artifacts): read from the out dir
// that built it, kept in a shared store, and written back beneath runsDir by a replica that serves it.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import type { JobResult } from '../manager/job.js';
import type { JobStore, RunFile } from './job-store.js';
import { fileUnder } from './report-route.js';

/** A name the store may hold: relative, plain segments only (it is later joined beneath runsDir). */
export function plainRelative(name: string): boolean {
  const parts = name.split('/');
  return (
    !isAbsolute(name) && !parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))
  );
}

async function fileOf(outDir: string, name: string): Promise<RunFile | undefined> {
  const real = await fileUnder(outDir, name);
  return real ? { name, body: await readFile(real) } : undefined;
}

/** The attestation's name beneath outDir, as the result gives it (absolute paths inside it too). */
function attestationName(r: JobResult, outDir: string): string | undefined {
  const a = r.attestation;
  if (!a) return undefined;
  if (!isAbsolute(a)) return a;
  return a.startsWith(outDir + sep) ? a.slice(outDir.length + 1) : undefined;
}

/**
 * What other replicas need to serve the run: every file is opened through fileUnder, so a link the
 * build left cannot make the host read outside the out dir; artifacts past the byte budget stay here.
 */
export async function readRunFiles(outDir: string, maxArtifactBytes: number): Promise<RunFile[]> {
  const result = await fileOf(outDir, 'result.json');
  if (!result) return [];
  const r = JSON.parse(result.body.toString('utf8')) as JobResult;
  const files: RunFile[] = [result];
  const log = await fileOf(outDir, 'log.txt');
  if (log) files.push(log);
  const attestation = attestationName(r, outDir);
  const signed = attestation && plainRelative(attestation) && (await fileOf(outDir, attestation));
  if (signed) files.push(signed);
  let budget = maxArtifactBytes;
  for (const a of r.artifacts) {
    if (!plainRelative(a.path) || a.size > budget) continue;
    const f = await fileOf(join(outDir, 'artifacts'), a.path);
    if (!f || f.body.length > budget) continue;
    budget -= f.body.length;
    files.push({ name: `artifacts/${a.path}`, body: f.body });
  }
  return files;
}

/**
 * Writes a run another replica finished beneath runsDir, whole or not at all: into a fresh
 * directory, renamed into place, so a page never sees half of it.
 */
export async function fetchSharedRun(
  store: JobStore,
  runsDir: string,
  runId: string,
): Promise<void> {
  if (!store.sharedRuns) return;
  const dir = join(runsDir, runId);
  if (
    await lstat(join(dir, 'result.json')).then(
      () => true,
      () => false,
    )
  )
    return;
  const files = await store.runFiles(runId);
  if (!files.some((f) => f.name === 'result.json')) return;
  const tmp = join(runsDir, `.fetch-${runId}-${randomBytes(4).toString('hex')}`);
  try {
    for (const f of files) {
      if (!plainRelative(f.name)) continue;
      const path = join(tmp, f.name);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, f.body, { mode: 0o600 });
    }
    // A directory without result.json is a run this replica started and lost: replaced.
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir).catch(() => undefined);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
