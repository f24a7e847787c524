// A manager served in this process over a pair of pipes: the real protocol on both sides, with
// a stub executor in place of the worker.
import type { SourceOrigin } from '../../src/attest/source-origin.js';
import { Readable, PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { JobExecutor } from '../../src/manager/executor.js';
import type { JobRequest, JobResult } from '../../src/manager/job.js';
import type { AttestationHook } from '../../src/manager/remote/attestation-hook.js';
import { FrameWriter } from '../../src/manager/remote/frame-writer.js';
import { helloFrame } from '../../src/manager/remote/hello.js';
import { openSession, type ManagerSession } from '../../src/manager/remote/manager-session.js';
import { runRemoteAttempt } from '../../src/manager/remote/remote-attempt.js';
import type { ReleaseSlot } from '../../src/manager/remote/job-slots.js';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { serveStdio } from '../../src/manager/serve-stdio.js';
import { parseSpec } from '../../src/spec/parse.js';
import { DEFAULT_POLICY, type Policy } from '../../src/spec/policy.js';
import { tempDir } from './tmp.js';

export interface Pipes {
  toManager: PassThrough;
  fromManager: PassThrough;
  close: () => void;
}

export function pipes(): Pipes {
  const toManager = new PassThrough();
  const fromManager = new PassThrough();
  return {
    toManager,
    fromManager,
    close: () => {
      toManager.end();
      fromManager.destroy();
    },
  };
}

export interface InProcessManager {
  served: Promise<JobResult | undefined>;
  session: (protocol?: number) => Promise<ManagerSession>;
  pipes: Pipes;
}

export function serveInProcess(
  execute: JobExecutor,
  o: {
    ceiling?: Policy;
    protocol?: number;
    name?: string;
    running?: RunningJobs;
    sign?: AttestationHook;
    idleMs?: number;
    stallMs?: number;
    takeSlot?: () => Promise<ReleaseSlot>;
  } = {},
): InProcessManager {
  const p = pipes();
  const state = tempDir('contractor-running-');
  const served = serveStdio({
    input: p.toManager,
    output: p.fromManager,
    execute,
    ceiling: { policy: o.ceiling ?? DEFAULT_POLICY, source: 'manager-policy.yaml' },
    running: o.running ?? new RunningJobs(join(state.path, 'running')),
    protocol: o.protocol,
    sign: o.sign,
    idleMs: o.idleMs,
    stallMs: o.stallMs,
    takeSlot: o.takeSlot,
  });
  served.catch(() => undefined).finally(state.remove);
  return {
    served,
    pipes: p,
    session: (protocol) =>
      openSession(
        o.name ?? 'm1',
        { input: p.fromManager, output: p.toManager, close: p.close },
        { protocol },
      ),
  };
}

/** A trusted origin, as a user's own git config would name it. */
export const TEST_ORIGIN: SourceOrigin = {
  repository: 'https://git.example/team/hello',
  ref: 'refs/heads/main',
  event: 'local',
  trusted: true,
};

export function jobRequest(
  outDir: string,
  o: {
    spec?: string;
    source?: Buffer;
    policy?: Partial<Policy>;
    signal?: AbortSignal;
    origin?: SourceOrigin;
  } = {},
): JobRequest & { events: unknown[] } {
  const spec = parseSpec(o.spec ?? 'build: make\nartifacts: [digest.txt]\n', '.contractor.yaml');
  const events: unknown[] = [];
  const source = o.source ?? Buffer.from('pretend this is a tar stream');
  return {
    id: `job-${Math.random().toString(36).slice(2)}`,
    spec,
    policy: { ...DEFAULT_POLICY, image: 'worker', ...o.policy, source: 'client-policy.yaml' },
    driver: 'namespace',
    source: () => Readable.from([source]),
    outDir,
    audit: false,
    origin: o.origin ?? TEST_ORIGIN,
    signal: o.signal,
    events,
    onEvent: (e) => events.push(e),
  };
}

/**
 * A manager that speaks raw frames to the real client, to send what an honest manager never
 * would: `script` writes after the job is accepted.
 */
export async function hostileManager<J extends JobRequest>(
  script: (w: FrameWriter) => Promise<void>,
  job: J,
): Promise<{ run: Promise<JobResult>; job: J }> {
  const p = pipes();
  const writer = new FrameWriter(p.fromManager);
  await writer.control(helloFrame('manager'));
  const session = await openSession('evil', {
    input: p.fromManager,
    output: p.toManager,
    close: p.close,
  });
  void (async () => {
    await writer.control({ type: 'accepted', id: job.id });
    await script(writer);
  })();
  return { run: runRemoteAttempt(session, job), job };
}
