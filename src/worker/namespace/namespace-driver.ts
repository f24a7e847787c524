// The namespace driver: a trusted netns holder per job, each phase one bubblewrap sandbox inside it.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Server } from 'node:net';
import type { Readable } from 'node:stream';
import { ContractorError } from '../../errors.js';
import type { Violation } from '../../net/violation.js';
import type { LimitName } from '../../spec/types.js';
import type { Driver, DriverProbe, PhaseOutcome, WorkerJob, WorkerOutcome } from '../driver.js';
import { LogBudget } from '../log-budget.js';
import { ownedPrefix } from '../owner-tag.js';
import { within } from '../path-within.js';
import { scrubbedEnv } from '../scrubbed-env.js';
import { createJobCgroup, type JobCgroup } from './cgroup.js';
import { primeCgroups } from './cgroup-join.js';
import {
  FIRST_PHASE_FD,
  MAX_PHASES,
  PROXY_PORT,
  PROXY_URL,
  type Confinement,
  type HolderJob,
  type HolderMessage,
} from './holder-protocol.js';
import { killHolder, spawnHolder, takeWarmHolder, TOOL_PATH, type Holder } from './holder-spawn.js';
import { IPC_SYSCTLS } from './ipc-limits.js';
import { jobUid } from './job-uid.js';
import { watchLimits, type LimitWatch } from './limit-watch.js';
import { PER_PROCESS_LIMITS } from './per-process-limits.js';
import { HOLDER_STATE_DIR } from './workspace-disk.js';
import { probeNamespace } from './namespace-probe.js';
import {
  uidMapDenied,
  usernsRestriction,
  UsernsRestrictedError,
  type HostRoots,
} from './userns-restriction.js';
import { SocketOwners } from './socket-owner.js';
import { cancelledBeforeStart, phasesWithUnrun } from '../unrun-phases.js';

const DIAGNOSTIC_BYTES = 8192;
/** How long the holder's pipes may stay open after it exits: time to read what is in them. */
const DRAIN_MS = 10_000;

export interface NamespaceDriverOptions {
  /** false confines with rlimits even where cgroups are available (the unprivileged path, for tests). */
  cgroups?: boolean;
  /** PATH the holder finds unshare, ip, nft, bwrap, prlimit and tar on; never under /tmp, which its state covers. */
  toolPath?: string;
  /** Where the holder sizes the job's System V IPC; a test names a place it cannot write, as an older kernel refuses. */
  ipcSysctls?: string;
  /** Where the user-namespace sysctls and AppArmor profiles are read; tests stand in their own. */
  hostRoots?: HostRoots;
}

function confinementFor(job: WorkerJob, cgroup: JobCgroup | undefined): Confinement {
  if (cgroup) return { kind: 'cgroup', procsFiles: cgroup.procsFiles };
  const l = job.limits;
  return {
    kind: 'rlimit',
    cpuSeconds: Math.ceil(l.cpuMs / 1000) + 1,
    // A backstop above the watched RSS limit: runtimes reserve far more address space than they touch.
    addressSpaceBytes: 2 * l.memoryBytes + 512 * 1024 ** 2,
    processes: l.processes,
    fileSizeBytes: l.diskBytes,
  };
}

/** One job's holder, its streams and what it has reported so far. */
class HolderSession {
  limit: LimitName | undefined;
  cancelled = false;
  holderPid = 0;
  error: string | undefined;
  outputComplete = false;
  readonly phases: PhaseOutcome[] = [];
  readonly violations: Violation[] = [];
  private diagnostics = '';
  private proxy: Server | undefined;
  /** ConstrainNetworkAccess: a violation names the build's process behind the request. */
  private readonly owners = new SocketOwners(() => this.holderPid, PROXY_PORT);
  private current: PhaseOutcome | undefined;
  private readonly budget: LogBudget;
  private readonly watch: LimitWatch;
  private cpuAtPhaseStart = 0;
  private readonly wall: NodeJS.Timeout;
  private readonly closed: Promise<void>;

  private get child(): ChildProcess {
    return this.holder.child;
  }

  constructor(
    private readonly job: WorkerJob,
    private readonly holder: Holder,
    private readonly holderJob: HolderJob,
    private readonly cgroup: JobCgroup | undefined,
  ) {
    const child = holder.child;
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    this.budget = new LogBudget(job.limits.logBytes);
    // HardWallLimit: the manager's own clock, not the build's.
    this.wall = setTimeout(() => this.end('wall'), job.limits.wallMs);
    this.watch = watchLimits(
      job.limits,
      cgroup,
      () => this.holderPid,
      (l) => this.end(l),
    );
    child.on('message', (m: HolderMessage, handle: unknown) =>
      this.onMessage(m, handle as Server | undefined),
    );
    // A warm holder said hello before this job existed; it waits for the job either way.
    void holder.hello.then((pid) => {
      if (pid === undefined || !child.connected) return;
      this.holderPid = pid;
      child.send(holderJob, (err) => err && this.end());
    });
    child.stderr?.on('data', (c: Buffer) => this.diagnose(c));
    holderJob.phases.forEach((p, i) => {
      for (const [stream, fd] of [
        ['stdout', p.stdoutFd],
        ['stderr', p.stderrFd],
      ] as const) {
        (child.stdio[fd] as Readable | null)?.on('data', (c: Buffer) => this.output(i, stream, c));
      }
    });
  }

  /** Ends the job at once: the holder's process group, whose pid namespace takes the rest. */
  end(limit?: LimitName): void {
    this.limit ??= limit;
    // Hard*Limit: a crossed limit also ends the build's processes at once, by the kernel's count.
    if (limit) safelyKill(this.cgroup);
    killHolder(this.holder);
  }

  /**
   * Resolves once the holder has exited and its pipes are read, or after DRAIN_MS: never waits for
   * pipes a process outside our reach might hold open for ever.
   */
  async finished(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      this.child.once('exit', () => resolve());
      this.child.once('error', (e) => ((this.error ??= e.message), resolve()));
    });
    clearTimeout(this.wall);
    this.watch.stop();
    await drained(this.child, this.closed);
    this.proxy?.close();
    if (this.current) this.closePhase(null);
  }

  diagnosticTail(): string {
    return this.diagnostics.trim().split('\n').slice(-5).join('\n');
  }

  private diagnose(chunk: Buffer): void {
    this.diagnostics = (this.diagnostics + chunk.toString()).slice(-DIAGNOSTIC_BYTES);
    // HardLogLimit: what the holder says about the build's files (tar's warnings) is the build's doing too.
    const { fits, over } = this.budget.take(chunk);
    if (fits.length)
      this.job.onEvent({ type: 'output', phase: 'worker', stream: 'stderr', chunk: fits });
    if (over) this.end('log');
  }

  /** HardLogLimit: counted here, on the manager's side, where the build cannot lie about it. */
  private output(index: number, stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const phase = this.holderJob.phases[index]?.name ?? 'build';
    const { fits, over } = this.budget.take(chunk);
    if (fits.length) this.job.onEvent({ type: 'output', phase, stream, chunk: fits });
    if (over) this.end('log');
  }

  private onMessage(m: HolderMessage, handle: Server | undefined): void {
    switch (m.type) {
      case 'hello':
        return; // taken by holder.hello
      case 'proxy':
        this.proxy = handle;
        handle?.on('connection', (s) => {
          // Read now: a socket forgets its peer once closed.
          const port = s.remotePort;
          this.job.egress.accept(s, () => this.owners.find(port));
        });
        return;
      case 'phase':
        this.watch.resetPeak();
        this.cpuAtPhaseStart = this.watch.cpuMs();
        this.current = { name: m.phase, exitCode: null, startedAt: m.at, durationMs: 0 };
        this.job.onEvent({ type: 'phase', phase: m.phase, at: m.at });
        return;
      case 'phase-end':
        this.watch.poll();
        this.violations.push(...m.violations);
        this.closePhase(this.limit ? null : m.exitCode, m.durationMs, this.phaseCpuMs(m.cpuMs));
        return;
      case 'disk-full':
        this.end('disk');
        return;
      case 'done':
        this.outputComplete = m.outputComplete && !this.limit;
        // Its last word: the output is whole in the pipe, and the holder's own teardown is only wait.
        this.end();
        return;
      case 'error':
        this.error = m.message;
        return;
    }
  }

  /** The cgroup's counter, or the polled tree; the holder's reaped-children count when that is more. */
  private phaseCpuMs(holderCount: number): number {
    const polled = this.watch.cpuMs() - this.cpuAtPhaseStart;
    return Math.round(Math.max(polled, holderCount));
  }

  private closePhase(exitCode: number | null, durationMs?: number, cpuMs?: number): void {
    const p = this.current;
    if (!p) return;
    this.current = undefined;
    const peak = this.watch.peakMemoryBytes();
    this.phases.push({
      ...p,
      exitCode,
      durationMs: durationMs ?? Date.now() - p.startedAt,
      ...(cpuMs !== undefined ? { cpuMs } : {}),
      ...(peak ? { maxMemoryBytes: peak } : {}),
    });
  }
}

function safelyKill(cgroup: JobCgroup | undefined): void {
  try {
    cgroup?.kill();
  } catch {
    // A cgroup already gone has nothing left to kill; its removal reports the rest.
  }
}

/** An exited child's stdio closed, or after DRAIN_MS, closed by us: what was still unread is lost. */
async function drained(child: ChildProcess, closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
  clearTimeout(timer);
  for (const s of child.stdio) s?.destroy();
  if (child.connected) child.disconnect();
}

function holderJobFor(job: WorkerJob, confinement: Confinement, ipcSysctls: string): HolderJob {
  return {
    type: 'job',
    phases: job.phases.map((p, i) => ({
      ...p,
      stdoutFd: FIRST_PHASE_FD + 2 * i,
      stderrFd: FIRST_PHASE_FD + 2 * i + 1,
    })),
    env: scrubbedEnv(job.env, PROXY_URL, '/tmp/home'),
    diskBytes: job.limits.diskBytes,
    confinement,
    ipcSysctls,
    // Plain objects: a RegExp crosses the holder's JSON channel as {}.
    ...(job.outputOnly
      ? { outputOnly: job.outputOnly.map(({ source, flags }) => ({ source, flags })) }
      : {}),
    ...(job.outputOnlyMax !== undefined ? { outputOnlyMax: job.outputOnlyMax } : {}),
  };
}

function outcomeOf(job: WorkerJob, s: HolderSession, cgroup: JobCgroup | undefined): WorkerOutcome {
  return {
    phases: phasesWithUnrun(job, s.phases, Boolean(s.limit || s.cancelled)),
    ...(s.limit ? { limit: s.limit } : {}),
    violations: s.violations,
    outputComplete: s.outputComplete,
    ...(s.cancelled ? { cancelled: true } : {}),
    ...(cgroup ? {} : { unenforced: [...PER_PROCESS_LIMITS] }),
  };
}

export class NamespaceDriver implements Driver {
  readonly name = 'namespace' as const;

  constructor(private readonly options: NamespaceDriverOptions = {}) {
    const hidden = options.toolPath?.split(':').find((d) => within(d, HOLDER_STATE_DIR));
    if (hidden)
      throw new ContractorError(
        'USAGE',
        `the namespace driver's tool path ${hidden} is under ${HOLDER_STATE_DIR}, which the holder's own tmpfs hides`,
      );
  }

  probe(): Promise<DriverProbe> {
    return probeNamespace(this.options.hostRoots);
  }

  async run(job: WorkerJob): Promise<WorkerOutcome> {
    if (job.phases.length > MAX_PHASES)
      throw new ContractorError('INFRASTRUCTURE', `a job has at most ${MAX_PHASES} phases`);
    const cancelled = cancelledBeforeStart(job);
    if (cancelled) return cancelled;
    // Said before a holder starts: on such a host it could only fail, and in bwrap's words alone.
    const restriction = usernsRestriction(this.options.hostRoots);
    if (restriction) throw new UsernsRestrictedError(restriction);
    const toolPath = this.options.toolPath ?? TOOL_PATH;
    const holder = takeWarmHolder(toolPath) ?? spawnHolder(toolPath, jobUid());
    let cgroup: JobCgroup | undefined;
    let primed: Promise<void> | undefined;
    try {
      // Named for this process too: the next job removes it if this manager is killed first.
      const id = ownedPrefix(`contractor-ns-${job.id}`) + randomBytes(3).toString('hex');
      cgroup =
        this.options.cgroups !== false ? createJobCgroup(id, job.limits, holder.uid) : undefined;
      primed = cgroup && primeCgroups(cgroup.procsFiles);
      return await runHolder(job, holder, cgroup, this.options.ipcSysctls ?? IPC_SYSCTLS);
    } finally {
      killHolder(holder);
      await primed; // an empty cgroup is one that can be removed
      await cgroup?.remove();
    }
  }
}

async function runHolder(
  job: WorkerJob,
  holder: Holder,
  cgroup: JobCgroup | undefined,
  ipcSysctls: string,
): Promise<WorkerOutcome> {
  const child = holder.child;
  const holderJob = holderJobFor(job, confinementFor(job, cgroup), ipcSysctls);
  // The holder may not write the caller's files: the workspace tar comes back on its stdout.
  let writeError: Error | undefined;
  const output = pipeline(child.stdout!, createWriteStream(job.outputTar)).then(
    () => true,
    (err: Error) => ((writeError = err), false),
  );
  const session = new HolderSession(job, holder, holderJob, cgroup);
  const onAbort = (): void => ((session.cancelled = true), session.end());
  if (job.signal?.aborted) onAbort();
  job.signal?.addEventListener('abort', onAbort);
  const input = job.input();
  input.on('error', () => session.end());
  child.stdin?.on('error', () => undefined);
  if (child.stdin) input.pipe(child.stdin);
  let outputWritten = false;
  try {
    await session.finished();
    outputWritten = await output;
  } finally {
    job.signal?.removeEventListener('abort', onAbort);
    input.destroy();
    session.end();
  }
  if (session.error)
    throw new ContractorError(
      'CONFINEMENT',
      `the namespace worker could not run the job: ${session.error}`,
    );
  const ended = session.limit || session.cancelled || session.phases.some((p) => p.exitCode !== 0);
  if (!ended && session.phases.length < job.phases.length) {
    // FailClosed: a holder that died before any phase ran is confinement that could not be set up.
    const code = session.phases.length ? 'INFRASTRUCTURE' : 'CONFINEMENT';
    const tail = session.diagnosticTail();
    const died = new ContractorError(
      code,
      `the namespace worker died: ${tail || `exit ${child.exitCode}`}`,
    );
    if (uidMapDenied(tail)) throw new UsernsRestrictedError(undefined, died);
    throw died;
  }
  session.outputComplete &&= outputWritten;
  const outcome = outcomeOf(job, session, cgroup);
  // Said, not dropped: the caller names the artifacts this cost.
  if (writeError && !outcome.outputComplete)
    outcome.outputProblem = `the workspace could not be written to ${job.outputTar}: ${writeError.message}`;
  return outcome;
}
