// Builds what /workspace starts with: the saved workspace (less its old src/) plus the source under src/.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { spawn } from 'node:child_process';
import { sourceOf, type JobRequest } from './job.js';
import { packDirectory } from './workspace-pack.js';

/**
 * What the worker unpacks into /workspace: the saved workspace (less its src/) as one archive,
 * then the source under src/ as a second in the same stream; every driver unpacks with tar's
 * --ignore-zeros, which reads on past the first archive's end. Nothing of the workspace is copied
 * on the host (that took 8 s for 30,000 files here). A source that comes under src/ already is
 * used as it is; any other (a remote manager's upload) is unpacked under src/ and packed again.
 */
export async function workspaceInput(
  stagingDir: string,
  source: Pick<JobRequest, 'source' | 'sourceUnderSrc'>,
  savedWorkspace?: string,
): Promise<() => Readable> {
  const underSrc = source.sourceUnderSrc ?? (await stagedUnderSrc(stagingDir, sourceOf(source)));
  if (savedWorkspace === undefined || !(await isDir(savedWorkspace))) return underSrc;
  return () => concatenated([() => packDirectory(savedWorkspace, { withoutSrc: true }), underSrc]);
}

/** One stream of the parts, each opened when the one before it has ended; an error ends it. */
function concatenated(parts: (() => Readable)[]): Readable {
  const out = new PassThrough();
  void (async () => {
    for (const open of parts) await pipeline(open(), out, { end: false });
    out.end();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}

/** The source unpacked into stagingDir/src, as a tar of stagingDir: every entry under src/. */
async function stagedUnderSrc(stagingDir: string, source: () => Readable): Promise<() => Readable> {
  await mkdir(join(stagingDir, 'src'), { recursive: true });
  // Symlinks in the source stay symlinks, absolute targets included: they resolve inside the worker.
  await untar(source(), join(stagingDir, 'src'));
  return () => packDirectory(stagingDir);
}

/**
 * The source tar comes from git archive or our own tar of a directory, never from the build, so GNU
 * tar may unpack it; it still refuses member names that are absolute or hold "..".
 */
function untar(stream: Readable, dir: string): Promise<void> {
  const tar = spawn(
    'tar',
    ['-x', '-f', '-', '-C', dir, '--no-same-owner', '--delay-directory-restore'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    tar.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`unpacking the source failed: ${stderr.trim()}`)),
    ),
  );
  // tar stops reading at the archive's end marker and may exit before the stream ends (record
  // padding, or an end that arrives a moment later): its exit status decides, the rest is drained.
  tar.stdin.on('error', () => undefined);
  stream.on('error', () => tar.kill());
  stream.pipe(tar.stdin);
  const unpacked = exited.then(
    () => void stream.resume(),
    (err: unknown) => {
      stream.destroy();
      throw err;
    },
  );
  return Promise.all([unpacked, finished(stream)]).then(() => undefined);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
