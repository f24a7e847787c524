// One attempt of a job on one manager: send the job and its source, take events, files and the
// result. Events are numbered per attempt, and a repeated number is dropped, so none is shown twice.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILE, ENVELOPE_FILE } from '../../attest/write-attestation.js';
import { ContractorError } from '../../errors.js';
import type { JobRequest, JobResult } from '../job.js';
import type { JobFrame } from './job-frame.js';
import { parseManagerFrame } from './job-frame.js';
import { withStderr, type ManagerSession } from './manager-session.js';
import { receiveFile, type ByteBudget } from './receive-file.js';
import { acceptResult } from './remote-result.js';
import { sendSource } from './send-source.js';
import { fromWireEvent } from './wire-event.js';

export interface AttemptHooks {
  /** Called once the manager has taken the job: from here on, losing it means a retry. */
  onAccepted?: () => void;
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
    policy: req.policy,
    driver: req.driver,
    ...(req.commit ? { commit: req.commit } : {}),
    ...(req.tree ? { tree: req.tree } : {}),
    audit: req.audit,
  };
}

export async function runRemoteAttempt(
  session: ManagerSession,
  req: JobRequest,
  hooks: AttemptHooks = {},
): Promise<JobResult> {
  const cancel = (): void => session.close();
  req.signal?.addEventListener('abort', cancel, { once: true });
  try {
    await clearOutputs(req.outDir);
    await session.writer.control(jobFrameFor(req));
    // The source follows the job at once, without waiting a round trip for the manager to
    // accept it: a refusal still arrives first, and the manager only reads on once it accepts.
    const sendFailed = sendSource(session.writer, req.source()).then(
      () => new Promise<never>(() => {}),
    );
    sendFailed.catch(() => undefined);
    await Promise.race([awaitAccepted(session, req.id), sendFailed]);
    hooks.onAccepted?.();
    if (req.workspaceDir)
      req.onEvent?.({
        type: 'status',
        message: `the workspace cache is not carried to manager ${session.manager}; the build starts without it`,
      });
    return await Promise.race([receiveOutputs(session, req), sendFailed]);
  } catch (err) {
    if (req.signal?.aborted)
      throw new ContractorError('INFRASTRUCTURE', 'the job was cancelled', { cause: err });
    throw withStderr(err, session.stderr());
  } finally {
    req.signal?.removeEventListener('abort', cancel);
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

/** A retry starts clean: nothing a lost attempt wrote is reported as this one's. */
async function clearOutputs(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const name of ['log.txt', 'result.json', 'artifacts', ENVELOPE_FILE, BUNDLE_FILE])
    await rm(join(outDir, name), { recursive: true, force: true });
}

async function receiveOutputs(session: ManagerSession, req: JobRequest): Promise<JobResult> {
  const budget: ByteBudget = {
    remaining: req.policy.limits.diskBytes + req.policy.limits.logBytes + EXTRA_OUTPUT_BYTES,
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
        await receiveFile(session.frames, req.outDir, frame, budget);
        received.set(frame.path, frame.sha256);
        continue;
      case 'result':
        return acceptResult(frame.result, req.id, req.outDir, received);
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
