// One attempt of a job on one manager: send the job and its source, take events, files and the
// result. Events are numbered per attempt, and a repeated number is dropped, so none is shown twice.
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { ContractorError } from '../../errors.js';
import type { EffectivePolicy } from '../../spec/policy.js';
import { sourceOf, type BuiltBy, type JobRequest, type JobResult } from '../job.js';
import type { JobFrame } from './job-frame.js';
import { parseManagerFrame } from './job-frame.js';
import { withStderr, type ManagerSession } from './manager-session.js';
import { WORKSPACE_TAR } from './output-path.js';
import { receiveFile, type ByteBudget } from './receive-file.js';
import { acceptResult } from './remote-result.js';
import { saveReturnedWorkspace } from './returned-workspace.js';
import { sendUpload } from './send-upload.js';
import { fromWireEvent } from './wire-event.js';
import { packDirectory } from '../workspace-pack.js';
import { clearRunOutputs } from '../out-dir.js';

export interface AttemptHooks {
  /** Called once the manager has taken the job: from here on, losing it means a retry. */
  onAccepted?: () => void;
  /** Managers that lost this job before this attempt: the result names them beside this one. */
  lostBefore?: string[];
}

/** Room for the attestation and other small files beyond the workspace and log limits. */
const EXTRA_OUTPUT_BYTES = 64 * 1024 ** 2;

export function jobFrameFor(req: JobRequest): JobFrame {
  return {
    type: 'job',
    id: req.id,
    // JSON is YAML: the manager parses and validates the same document again.
    spec: JSON.stringify(req.spec.raw),
    specFile: req.spec.file,
    policy: wirePolicy(req.policy),
    driver: req.driver,
    ...(req.commit ? { commit: req.commit } : {}),
    ...(req.tree ? { tree: req.tree } : {}),
    audit: req.audit,
    ...(req.workspaceDir ? { workspace: true } : {}),
    ...(req.sourceUnderSrc ? { sourceUnderSrc: true } : {}),
    ...(req.origin ? { origin: req.origin } : {}),
  };
}

/** The effective policy's own fields, and nothing else a caller's object carried. */
function wirePolicy(p: EffectivePolicy): EffectivePolicy {
  const { allow, buildNetwork, limits, driver, image, source } = p;
  return { allow, buildNetwork, limits, driver, image, source };
}

/**
 * The saved workspace (without its src/) when the spec has one, then the source. Each stream is
 * handed to `opened` first, so the attempt can stop what a manager stopped reading.
 */
async function sendInputs(
  writer: ManagerSession['writer'],
  req: JobRequest,
  opened: (input: Readable) => Readable,
): Promise<void> {
  if (req.workspaceDir)
    await sendUpload(
      writer,
      opened(packDirectory(req.workspaceDir, { withoutSrc: true })),
      'workspace-end',
    );
  // Under src/ where the producer can write it so: the manager then never unpacks it on its disk.
  await sendUpload(writer, opened(sourceOf(req)()), 'source-end');
}

export async function runRemoteAttempt(
  session: ManagerSession,
  req: JobRequest,
  hooks: AttemptHooks = {},
): Promise<JobResult> {
  const cancel = (): void => session.close();
  const inputs: Readable[] = [];
  req.signal?.addEventListener('abort', cancel, { once: true });
  try {
    // A retry starts clean: nothing a lost attempt wrote is reported as this one's.
    await clearRunOutputs(req.outDir);
    await session.writer.control(jobFrameFor(req));
    // The inputs follow the job at once, without waiting a round trip for the manager to
    // accept it: a refusal still arrives first, and the manager only reads on once it accepts.
    const sendFailed = sendInputs(session.writer, req, (input) => (inputs.push(input), input)).then(
      () => new Promise<never>(() => {}),
    );
    sendFailed.catch(() => undefined);
    await Promise.race([awaitAccepted(session, req.id), sendFailed]);
    hooks.onAccepted?.();
    const builtBy = { name: session.manager, lost: hooks.lostBefore ?? [] };
    return await Promise.race([receiveOutputs(session, req, builtBy), sendFailed]);
  } catch (err) {
    if (req.signal?.aborted)
      throw new ContractorError('INFRASTRUCTURE', 'the job was cancelled', { cause: err });
    throw withStderr(err, session.stderr());
  } finally {
    req.signal?.removeEventListener('abort', cancel);
    // An upload the manager stopped reading would otherwise hold its tar process forever.
    for (const input of inputs) input.destroy();
    session.close();
  }
}

async function awaitAccepted(session: ManagerSession, id: string): Promise<void> {
  const { value, done } = await session.frames.next();
  if (done)
    throw new ContractorError(
      'INFRASTRUCTURE',
      `manager ${session.manager} closed the channel before taking the job`,
    );
  if (value.kind !== 'control')
    throw new ContractorError(
      'PROTOCOL',
      `manager ${session.manager} sent data before taking the job`,
    );
  const frame = parseManagerFrame(value.value);
  if (frame.type === 'error')
    throw new ContractorError(frame.code, `manager ${session.manager}: ${frame.message}`);
  if (frame.type !== 'accepted' || frame.id !== id)
    throw new ContractorError(
      'PROTOCOL',
      `manager ${session.manager} answered the job with a ${frame.type} frame`,
    );
}

async function receiveOutputs(
  session: ManagerSession,
  req: JobRequest,
  builtBy: BuiltBy,
): Promise<JobResult> {
  const { diskBytes, logBytes } = req.policy.limits;
  // The returned workspace may hold as much again as the artifacts.
  const budget: ByteBudget = {
    remaining: diskBytes * (req.workspaceDir ? 2 : 1) + logBytes + EXTRA_OUTPUT_BYTES,
  };
  const received = new Map<string, string>();
  let nextSeq = 0;
  for (;;) {
    const { value, done } = await session.frames.next();
    if (done)
      throw new ContractorError(
        'INFRASTRUCTURE',
        `manager ${session.manager} closed the channel before sending the result`,
      );
    if (value.kind !== 'control')
      throw new ContractorError('PROTOCOL', `manager ${session.manager} sent data outside a file`);
    const frame = parseManagerFrame(value.value);
    switch (frame.type) {
      case 'event':
        if (frame.seq < nextSeq) continue;
        if (frame.seq > nextSeq)
          throw new ContractorError(
            'PROTOCOL',
            `manager ${session.manager} skipped events ${nextSeq} to ${frame.seq - 1}`,
          );
        nextSeq++;
        req.onEvent?.(fromWireEvent(frame.event));
        continue;
      case 'file':
        if (frame.path === WORKSPACE_TAR && !req.workspaceDir)
          throw new ContractorError(
            'PROTOCOL',
            `manager ${session.manager} sent a workspace for a job that has none`,
          );
        await receiveFile(session.frames, req.outDir, frame, budget);
        received.set(frame.path, frame.sha256);
        continue;
      case 'result': {
        const result = await acceptResult(frame.result, req.id, req.outDir, received, builtBy);
        // Saved only after a run that passed and was not --audit, whatever the manager sent.
        const keep = result.status === 'passed' && !req.audit;
        if (req.workspaceDir && received.has(WORKSPACE_TAR) && keep)
          await saveWorkspace(session, req, req.workspaceDir);
        else await rm(join(req.outDir, WORKSPACE_TAR), { force: true });
        return result;
      }
      case 'error':
        throw new ContractorError(frame.code, `manager ${session.manager}: ${frame.message}`);
      default:
        throw new ContractorError(
          'PROTOCOL',
          `manager ${session.manager} sent an unexpected ${frame.type} frame`,
        );
    }
  }
}

/** The workspace the build saved on the manager, in place of the spec's workspace here. */
async function saveWorkspace(
  session: ManagerSession,
  req: JobRequest,
  workspaceDir: string,
): Promise<void> {
  const tar = join(req.outDir, WORKSPACE_TAR);
  const dropped = await saveReturnedWorkspace(tar, workspaceDir, req.policy.limits.diskBytes);
  if (dropped)
    req.onEvent?.({
      type: 'status',
      message: `manager ${session.manager} returned ${dropped} workspace entries that may not land here (links out, devices); they were dropped`,
    });
}
