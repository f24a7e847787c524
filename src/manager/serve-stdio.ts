// `contractor manager serve --stdio`, a manager host's SSH forced command: one job per session,
// from the hello to the signed result. The client is authenticated but not trusted: every frame
// is checked, the source is capped, and the manager's own policy narrows the client's.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { ContractorError } from '../errors.js';
import { AuditRefused } from './audit-refusal.js';
import { parseSpec } from '../spec/parse.js';
import { strongerDriver } from '../spec/driver-floor.js';
import { effectivePolicy, type Policy } from '../spec/policy.js';
import type { JobExecutor } from './executor.js';
import type { JobEvent, JobRequest, JobResult } from './job.js';
import { signNothing, type AttestationHook, type SignedOutput } from './remote/attestation-hook.js';
import { DEFAULT_CAPS, readFrames, type Frame, type FrameCaps } from './remote/frame.js';
import { FrameWriter } from './remote/frame-writer.js';
import { receiveWorkspace, type CarriedWorkspace } from './remote/carried-workspace.js';
import { checkClientHello, helloFrame, PROTOCOL_VERSION } from './remote/hello.js';
import { parseClientFrame, type ClientFrame, type JobFrame } from './remote/job-frame.js';
import { narrowToManager } from './remote/manager-ceiling.js';
import { WORKSPACE_TAR } from './remote/output-path.js';
import { receiveUpload } from './remote/receive-upload.js';
import { ArchiveTree } from './remote/archive-tree.js';
import { objectFormatOf, treeMismatch } from './remote/source-claim.js';
import type { RunningJobs } from './remote/running-jobs.js';
import type { ReleaseSlot } from './remote/job-slots.js';
import { makeScratchDir, sweepScratchDirs } from './scratch-dir.js';
import { sendFile } from './remote/send-file.js';
import { toWireEvents } from './remote/wire-event.js';

export interface ServeOptions {
  input: Readable;
  output: Writable;
  execute: JobExecutor;
  /** This host's own policy, and where it came from. */
  ceiling: { policy: Policy; source: string };
  running: RunningJobs;
  sign?: AttestationHook;
  caps?: FrameCaps;
  protocol?: number;
  /** Where each job's output directory is made. */
  workDir?: string;
  /** How long the client may take to send its hello, then its job (default 60 s). */
  idleMs?: number;
  /** How long the client may send nothing in the middle of an upload (default 60 s). */
  stallMs?: number;
  /** Takes this host's job slot before the job is accepted; throws when the host is full. */
  takeSlot?: () => Promise<ReleaseSlot>;
  /** Ends the job as a closed channel would (SIGTERM, SIGHUP). */
  signal?: AbortSignal;
}

type JobParams = Omit<JobRequest, 'source' | 'outDir' | 'onEvent' | 'signal'>;

/** Resolves with the job's result, or undefined when the client left before sending one. */
export async function serveStdio(o: ServeOptions): Promise<JobResult | undefined> {
  const writer = new FrameWriter(o.output);
  o.output.on('error', () => undefined);
  const frames = readFrames(o.input, o.caps ?? DEFAULT_CAPS)[Symbol.asyncIterator]();
  try {
    const running = (await o.running.list()).length;
    writer
      .control(helloFrame('manager', o.protocol ?? PROTOCOL_VERSION, running))
      .catch(() => undefined);
    const hello = await nextClientFrame(frames, 'hello', o.idleMs);
    // A client that reads our hello and leaves was checking our health: nothing to report.
    if (!hello) return undefined;
    checkClientHello(hello, o.protocol ?? PROTOCOL_VERSION);
    const job = await nextClientFrame(frames, 'job', o.idleMs);
    if (!job) return undefined;
    const params = jobParams(job, o.ceiling);
    // Refused before it is accepted, so the client's pool tries another manager.
    const release = await o.takeSlot?.();
    try {
      await writer.control({ type: 'accepted', id: job.id });
      return await runAccepted(o, writer, frames, params, {
        workspace: job.workspace === true,
        sourceUnderSrc: job.sourceUnderSrc === true,
      });
    } finally {
      await release?.();
    }
  } catch (err) {
    const e =
      err instanceof ContractorError
        ? err
        : new ContractorError('INFRASTRUCTURE', (err as Error).message);
    await writer
      .control({ type: 'error', code: e.code, message: e.message })
      .catch(() => undefined);
    throw err;
  } finally {
    o.output.end();
  }
}

async function nextClientFrame<T extends ClientFrame['type']>(
  frames: AsyncIterator<Frame>,
  type: T,
  idleMs = 60_000,
): Promise<Extract<ClientFrame, { type: T }> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  // A client that connects and says nothing would hold a process on the manager forever.
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ContractorError('PROTOCOL', `the client sent no ${type} frame within ${idleMs} ms`),
        ),
      idleMs,
    );
  });
  const { value, done } = await Promise.race([frames.next(), silent]).finally(() =>
    clearTimeout(timer),
  );
  if (done) return undefined;
  if (value.kind !== 'control')
    throw new ContractorError('PROTOCOL', `expected a ${type} frame from the client, got data`);
  const frame = parseClientFrame(value.value);
  if (frame.type === 'error') throw new ContractorError(frame.code, `the client: ${frame.message}`);
  if (frame.type !== type)
    throw new ContractorError(
      'PROTOCOL',
      `expected a ${type} frame from the client, got ${frame.type}`,
    );
  return frame as Extract<ClientFrame, { type: T }>;
}

function jobParams(job: JobFrame, ceiling: ServeOptions['ceiling']): JobParams {
  if (job.audit) throw new AuditRefused('this manager');
  const spec = parseSpec(job.spec, job.specFile);
  const narrowed = narrowToManager(job.policy, ceiling.policy, ceiling.source);
  const policy = effectivePolicy(spec, narrowed, narrowed.source);
  return {
    id: job.id,
    spec,
    policy,
    // DriverFloor: whatever tier the client asks for, the job runs in at least this manager's.
    driver: strongerDriver(job.driver, policy.driver),
    commit: job.commit,
    tree: job.tree,
    audit: job.audit,
    ...(job.origin ? { origin: job.origin } : {}),
  };
}

async function runAccepted(
  o: ServeOptions,
  writer: FrameWriter,
  frames: AsyncIterator<Frame>,
  params: JobParams,
  carries: { workspace: boolean; sourceUnderSrc: boolean },
): Promise<JobResult | undefined> {
  const controller = new AbortController();
  const cancel = (): void => controller.abort();
  o.signal?.addEventListener('abort', cancel, { once: true });
  const base = o.workDir ?? tmpdir();
  const outDir = await makeScratchDir(`remote-${params.id}`, base);
  void sweepScratchDirs(base);
  const unregister = await o.running.add(params.id);
  let workspace: CarriedWorkspace | undefined;
  try {
    // The saved workspace comes before the source: the job restores it before the build.
    if (carries.workspace)
      workspace = await receiveWorkspace(frames, params.policy.limits.diskBytes, o.stallMs);
  } catch (err) {
    await unregister();
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
  const source = new PassThrough({ highWaterMark: 4 * 1024 ** 2 });
  let inboundError: unknown;
  // The channel closing, before or after the source, is the client cancelling the job.
  const tree = new ArchiveTree(
    objectFormatOf(params.tree),
    carries.sourceUnderSrc ? 'src' : undefined,
  );
  const received = receiveUpload(
    frames,
    source,
    params.policy.limits.diskBytes,
    'source-end',
    o.stallMs,
    (bytes) => tree.write(bytes),
  );
  received
    .then(() => frames.next())
    .then(({ done }) => {
      if (!done) throw new ContractorError('PROTOCOL', 'the client sent a frame after the source');
    })
    .catch((err: unknown) => {
      inboundError = err;
      source.destroy(err as Error);
    })
    .finally(cancel);
  let seq = 0;
  const onEvent = (e: JobEvent): void => {
    for (const event of toWireEvents(e))
      writer.control({ type: 'event', seq: seq++, event }).catch(cancel);
  };
  try {
    const result = await o.execute({
      ...params,
      ...(workspace ? { workspaceDir: workspace.dir } : {}),
      // Under src/ it goes to the worker as it is: nothing of it is written on this host's disk.
      ...(carries.sourceUnderSrc ? { sourceUnderSrc: () => source } : { source: () => source }),
      outDir,
      onEvent,
      signal: controller.signal,
    });
    if (inboundError instanceof ContractorError && inboundError.code === 'PROTOCOL')
      throw inboundError;
    if (controller.signal.aborted) return undefined;
    // The digest this manager computed of what it received, never the client's: a passed build
    // read the source to its end, so the upload is complete.
    const upload = await received.catch(() => undefined);
    const attestation = upload
      ? await signReceived(
          o.sign ?? signNothing,
          result,
          outDir,
          params,
          upload.sha256,
          tree,
          onEvent,
        )
      : null;
    await sendOutputs(writer, result, outDir, attestation, workspace);
    return result;
  } finally {
    o.signal?.removeEventListener('abort', cancel);
    source.destroy();
    await unregister();
    await Promise.all([rm(outDir, { recursive: true, force: true }), workspace?.remove()]);
  }
}

/** Signs the sha256 and git tree this manager computed; a tree other than the client's claim goes unsigned, saying so. */
async function signReceived(
  sign: AttestationHook,
  result: JobResult,
  outDir: string,
  params: JobParams,
  sha256: string,
  archive: ArchiveTree,
  onEvent: (e: JobEvent) => void,
): Promise<SignedOutput | null> {
  const tree = archive.end();
  // SignedSource: never sign a commit as built from a tree it does not have.
  const mismatch = treeMismatch(params, tree);
  if (mismatch) {
    onEvent({ type: 'status', message: mismatch });
    return null;
  }
  return sign(result, outDir, params, { sha256, tree });
}

async function sendOutputs(
  writer: FrameWriter,
  result: JobResult,
  outDir: string,
  attestation: SignedOutput | null,
  workspace: CarriedWorkspace | undefined,
): Promise<void> {
  const savedWorkspace = await workspace?.packIfSaved();
  if (savedWorkspace) await sendFile(writer, savedWorkspace, WORKSPACE_TAR);
  await sendFile(writer, join(outDir, 'log.txt'), 'log.txt');
  for (const a of result.artifacts)
    await sendFile(writer, join(outDir, 'artifacts', a.path), `artifacts/${a.path}`, a.sha256);
  for (const path of attestation?.files ?? []) await sendFile(writer, join(outDir, path), path);
  await writer.control({
    type: 'result',
    result: { ...result, attestation: attestation?.envelope ?? null },
  });
}
