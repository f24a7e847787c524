// The gvisor driver: each job is one runsc sandbox; phases are `runsc exec`s into it.
import { DEFAULT_SHELL } from '../../spec/phase-shell.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ContractorError } from '../../errors.js';
import type { PhaseName } from '../../net/violation.js';
import type { LimitName } from '../../spec/types.js';
import type { Driver, DriverProbe, PhaseOutcome, WorkerJob, WorkerOutcome } from '../driver.js';
import { LogBudget } from '../log-budget.js';
import { listenProxySocket } from '../proxy-socket.js';
import { armWatchdog } from '../orphan-watchdog.js';
import { envPairs, scrubbedEnv } from '../scrubbed-env.js';
import { BUILD_UID, JOB_DIR, PROXY_DIR, writeBundle } from './bundle.js';
import { gvisorPlatform, type GvisorPlatform, type PlatformVerdict } from './platform-probe.js';
import { runsc, runscDone, runscFlags, type RunscSetup } from './runsc.js';
import { sandboxCpuMs, sandboxMemoryBytes, type MemfdHint } from './sandbox-usage.js';
import { cancelledBeforeStart, phasesWithUnrun } from '../unrun-phases.js';
import { SECCOMP_LOADER } from '../seccomp-loader.js';
import { violationsFromStrace } from './strace-violations.js';
import { forkingWatcher, oneProcessWatcher } from './limit-watcher.js';

const PROXY_PORT = 3128;
const PROXY_URL = `http://127.0.0.1:${PROXY_PORT}`;
const WATCH_MS = 200;
/** HardCPULimit is read once a second. */
const CPU_WATCH_MS = 1000;

export async function probeGvisor(
  platform: () => Promise<PlatformVerdict> = gvisorPlatform,
): Promise<DriverProbe> {
  const r = await new Promise<{ ok: boolean; out: string }>((resolve) => {
    const child = spawn('runsc', ['--rootless', '--network=none', 'do', '/bin/true'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: tmpdir(),
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', (e) => resolve({ ok: false, out: e.message }));
    child.on('close', (code) => resolve({ ok: code === 0, out }));
  });
  if (r.ok) {
    const p = await platform();
    return {
      driver: 'gvisor',
      ok: true,
      detail: `runsc works (platform ${p.platform}: ${p.why}; network none + proxy relay)`,
    };
  }
  const missing = /ENOENT/.test(r.out);
  return {
    driver: 'gvisor',
    ok: false,
    detail: missing
      ? 'runsc is not installed: apt-get install runsc'
      : `runsc cannot start a sandbox here: ${r.out.trim().split('\n').pop() ?? ''}`,
  };
}

/** One job's sandbox: its directories, its limit watch, and the first limit it crossed. */
class Sandbox {
  limit: LimitName | undefined;
  pid = 0;
  cpuAtStart = 0;
  /** The most build-user processes the watcher has seen in the running phase. */
  peakProcesses = 0;
  /** Why the in-sandbox limit watcher stopped while the job ran: the job then fails closed. */
  watcherLost: string | undefined;
  ended = false;
  /** The foreground `runsc run`'s exit: it ends once the sandbox has ended and been reaped. */
  runner: Promise<number | null> | undefined;
  private readonly children = new Set<ChildProcess>();

  constructor(
    readonly id: string,
    readonly setup: RunscSetup,
  ) {}

  track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    return child;
  }

  /** Ends everything at once: the sentry first, so no build process outlives its exec. */
  end(limit?: LimitName): void {
    this.ended = true;
    this.limit ??= limit;
    // Never a pid of 0 or below: kill(-1) as root would end every process on the host.
    if (this.pid > 0) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // Already gone: the sandbox ended on its own.
      }
    }
    this.children.forEach((c) => c.kill('SIGKILL'));
  }
}

export interface GvisorOptions {
  /** Forces a platform (benchmarks compare them); by default the host's probed verdict. */
  platform?: GvisorPlatform;
  /** Extra runsc file system flags, e.g. --overlay2=root:memory; none by default. */
  fsFlags?: string[];
  /** The in-sandbox limit watcher: one Python process by default; `forking` is the old design's shell loop. */
  watcher?: 'one-process' | 'forking';
  /** The bind mounts' file access: exclusive by default; the old design's was runsc's shared. */
  mountsAccess?: 'exclusive' | 'shared';
  /** The old design's `runsc run --detach`, which leaves the ended sandbox for init to reap. */
  detach?: boolean;
  /** How often HardCPULimit is read: every second by default; the old design read it every 200 ms. */
  cpuWatchMs?: number;
}

/** Resolves when the promise settles or the time is up, whichever is first. */
async function settled(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export class GvisorDriver implements Driver {
  readonly name = 'gvisor' as const;

  constructor(private readonly options: GvisorOptions = {}) {}

  probe(): Promise<DriverProbe> {
    const forced = this.options.platform;
    return probeGvisor(
      forced ? () => Promise.resolve({ platform: forced, why: 'chosen' }) : gvisorPlatform,
    );
  }

  async run(job: WorkerJob): Promise<WorkerOutcome> {
    const cancelled = cancelledBeforeStart(job);
    if (cancelled) return cancelled;
    const platform = this.options.platform ?? (await gvisorPlatform()).platform;
    const work = await mkdtemp(join(tmpdir(), `contractor-gvisor-${job.id}-`));
    const setup: RunscSetup = {
      stateDir: join(work, 'state'),
      debugDir: join(work, 'debug'),
      platform,
      ...(this.options.fsFlags ? { fsFlags: this.options.fsFlags } : {}),
      ...(this.options.mountsAccess ? { mountsAccess: this.options.mountsAccess } : {}),
    };
    // Detached, the sandbox would run on if we died: the watchdog deletes it then.
    const watchdog = armWatchdog(
      'runsc "$@"; rm -rf "$WORK"',
      [...runscFlags(setup), 'delete', '--force', `contractor-${job.id}`],
      { WORK: work },
    );
    try {
      return await this.runIn(job, work, setup);
    } finally {
      await rm(work, { recursive: true, force: true });
      watchdog.disarm();
    }
  }

  private async runIn(job: WorkerJob, work: string, setup: RunscSetup): Promise<WorkerOutcome> {
    const proxyDir = join(work, 'proxy');
    await Promise.all(
      [setup.stateDir, setup.debugDir, proxyDir].map((d) => mkdir(d, { mode: 0o711 })),
    );
    const proxy = await listenProxySocket(join(proxyDir, 'egress.sock'), job.egress);
    const box = new Sandbox(`contractor-${job.id}`, setup);
    const straceMarks: { phase: PhaseName; offset: number }[] = [];
    const phases: PhaseOutcome[] = [];
    const stopWatch = watchLimits(box, job, this.options.cpuWatchMs ?? CPU_WATCH_MS);
    const onAbort = (): void => box.end();
    // Cancelled before we listened (the job was replaced while its inputs were made): no build.
    if (job.signal?.aborted) onAbort();
    job.signal?.addEventListener('abort', onAbort);
    let exported: WorkspaceExport = { complete: false };
    try {
      await writeBundle(join(work, 'bundle'), job.limits, proxyDir, job.phases);
      await startSandbox(
        box,
        join(work, 'bundle'),
        join(work, 'run.err'),
        this.options.detach === true,
      );
      const watcher = this.options.watcher === 'forking' ? forkingWatcher : oneProcessWatcher;
      // The watcher starts (python's own start-up) while the input unpacks; no phase runs before
      // its first report. Handled at once, so a rejection while tar runs is not an unhandled one.
      const watching = startWatcher(box, job, watcher(job.limits.diskBytes));
      watching.catch(() => undefined);
      const unpacked = await execIn(
        box,
        ['--user', `${BUILD_UID}:${BUILD_UID}`],
        // --ignore-zeros: the input may be two archives, one after the other (workspace-stage.ts).
        ['tar', '-x', '-f', '-', '--ignore-zeros', '-C', '/workspace', '--no-same-owner'],
        { stdin: job.input() },
      );
      // A build never runs on a half-unpacked workspace (as on the other tiers).
      if (unpacked.code !== 0 && !box.limit && !job.signal?.aborted)
        throw new ContractorError(
          'INFRASTRUCTURE',
          `unpacking the workspace failed (tar exit ${String(unpacked.code)}): ${unpacked.stderr.trim().slice(-500)}`,
        );
      startRelay(box);
      await watching;
      box.cpuAtStart = await sandboxCpuMs(box.pid);
      const budget = new LogBudget(job.limits.logBytes);
      for (const p of job.phases) {
        if (box.limit || job.signal?.aborted) break;
        straceMarks.push({ phase: p.name, offset: await straceOffset(setup.debugDir) });
        const outcome = await runPhase(box, job, p.name, budget);
        phases.push(outcome);
        // Nothing of one phase survives into the next: every process of the build user goes.
        await execIn(box, ['--user', `${BUILD_UID}:${BUILD_UID}`], ['/bin/sh', '-c', 'kill -9 -1']);
        if (outcome.exitCode !== 0) break;
      }
      if (box.watcherLost) throw new Error(box.watcherLost);
      if (!box.limit && !job.signal?.aborted) exported = await exportWorkspace(box, job);
    } finally {
      stopWatch();
      job.signal?.removeEventListener('abort', onAbort);
      box.end();
      // The foreground runsc reaps the sandbox and its gofer, then removes its state; delete
      // then finds nothing, and is there for a runsc that does not end.
      if (box.runner) await settled(box.runner, 10_000);
      await runscDone(setup, ['delete', '--force', box.id]).catch(() => undefined);
      await proxy.close();
    }
    // The work directory goes in run()'s finally, whatever happened here.
    const violations = violationsFromStrace(await straceSegments(setup.debugDir, straceMarks));
    return {
      phases: phasesWithUnrun(job, phases, Boolean(box.limit || job.signal?.aborted)),
      ...(box.limit ? { limit: box.limit } : {}),
      violations,
      outputComplete: exported.complete,
      ...(exported.problem ? { outputProblem: exported.problem } : {}),
      ...(job.signal?.aborted ? { cancelled: true } : {}),
    };
  }
}

/** The end of what runsc (and the sandbox it left running) wrote to its error file. */
async function runscSaid(errFile: string): Promise<string> {
  const text = (await readFile(errFile, 'utf8').catch(() => '')).trim();
  return text.length > 2000 ? `…${text.slice(-2000)}` : text;
}

/**
 * The sandbox keeps whatever stdio it is given, so it gets a file, not our pipes. By default the
 * `runsc run` that starts it stays in the foreground as its parent, so the sandbox is reaped the
 * moment it ends; detached, it is an orphan of the host's init, and `runsc delete` waits until init
 * reaps it (up to 2 s per job on a host whose init reaps lazily).
 */
async function startSandbox(
  box: Sandbox,
  bundle: string,
  errFile: string,
  detach: boolean,
): Promise<void> {
  const err = await open(errFile, 'w');
  const child = spawn(
    'runsc',
    [...runscFlags(box.setup), 'run', ...(detach ? ['--detach'] : []), '--bundle', bundle, box.id],
    // Its own process group: a terminal's Ctrl-C is never forwarded into the sandbox by runsc.
    { stdio: ['ignore', 'ignore', err.fd], detached: !detach },
  );
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('exit', resolve);
  });
  await err.close();
  if (detach) {
    const code = await exited;
    if (code !== 0)
      throw new Error(`runsc could not start the sandbox: ${await runscSaid(errFile)}`);
  } else box.runner = exited;
  const { pid, status } = detach
    ? await sandboxState(box)
    : await untilRunning(box, exited, errFile);
  // A stopped sandbox reports pid -1: there is nothing to watch or to kill, so the job ends here.
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) {
    const said = await runscSaid(errFile);
    throw new Error(
      `runsc started no sandbox: it reports ${String(status)}, pid ${String(pid)}` +
        (said ? `; it said: ${said}` : ''),
    );
  }
  box.pid = pid;
  // Ended while runsc was starting it: only now is there a pid to kill.
  if (box.ended) box.end();
}

interface SandboxState {
  pid?: unknown;
  status?: unknown;
}

async function sandboxState(box: Sandbox): Promise<SandboxState> {
  const state = await runscDone(box.setup, ['state', box.id]);
  return state.code === 0 ? (JSON.parse(state.stdout) as SandboxState) : {};
}

/** The foreground `runsc run` says nothing when its container runs: its state is asked until it does. */
async function untilRunning(
  box: Sandbox,
  exited: Promise<number | null>,
  errFile: string,
): Promise<SandboxState> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
    const state = await sandboxState(box);
    if (state.status === 'running' || state.status === 'stopped') return state;
    // Gone without a state that says why: runsc could not make the sandbox.
    if (gone && state.status === undefined)
      throw new Error(`runsc could not start the sandbox: ${await runscSaid(errFile)}`);
    if (gone) return state;
  }
}

interface ExecResult {
  code: number | null;
  stderr: string;
}

function execIn(
  box: Sandbox,
  flags: string[],
  argv: string[],
  io: {
    stdin?: NodeJS.ReadableStream;
    onOut?: (stream: 'stdout' | 'stderr', c: Buffer) => void;
  } = {},
): Promise<ExecResult> {
  const child = box.track(runsc(box.setup, ['exec', ...flags, box.id, ...argv]));
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => io.onOut?.('stdout', c));
  child.stderr?.on('data', (c: Buffer) => {
    if (io.onOut) io.onOut('stderr', c);
    else stderr += c.toString();
  });
  if (io.stdin && child.stdin) io.stdin.pipe(child.stdin).on('error', () => undefined);
  else child.stdin?.end();
  child.stdin?.on('error', () => undefined);
  return new Promise((resolve) => {
    child.on('error', (e) => resolve({ code: null, stderr: e.message }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The proxy relay runs as root inside the sandbox (no capabilities), so the build's nproc cap spares it. */
function startRelay(box: Sandbox): void {
  const listen = `TCP-LISTEN:${PROXY_PORT},bind=127.0.0.1,fork,reuseaddr`;
  void execIn(
    box,
    ['--user', '0:0'],
    ['/usr/bin/socat', listen, `UNIX-CONNECT:${PROXY_DIR}/egress.sock`],
  );
}

async function runPhase(
  box: Sandbox,
  job: WorkerJob,
  phase: PhaseName,
  budget: LogBudget,
): Promise<PhaseOutcome> {
  const startedAt = Date.now();
  job.onEvent({ type: 'phase', phase, at: startedAt });
  const cpuBefore = await sandboxCpuMs(box.pid);
  box.peakProcesses = 0;
  const env = envPairs(scrubbedEnv(job.env, PROXY_URL));
  const r = await execIn(
    box,
    ['--user', `${BUILD_UID}:${BUILD_UID}`, '--cwd', '/workspace/src'],
    [
      '/usr/bin/python3',
      '-I',
      '-S',
      '-c',
      SECCOMP_LOADER,
      `${JOB_DIR}/seccomp.bpf`,
      '/usr/bin/env',
      '-i',
      ...env,
      ...(job.phases.find((p) => p.name === phase)?.shell ?? DEFAULT_SHELL),
      `${JOB_DIR}/${phase}.sh`,
    ],
    {
      onOut: (stream, chunk) => {
        const { fits, over } = budget.take(chunk);
        if (fits.length) job.onEvent({ type: 'output', phase, stream, chunk: fits });
        if (over) box.end('log');
      },
    },
  );
  if (r.code !== 0 && !box.limit && (await ranOutOfProcesses(box, job))) box.end('processes');
  return {
    name: phase,
    exitCode: box.limit || job.signal?.aborted ? null : r.code,
    startedAt,
    durationMs: Date.now() - startedAt,
    cpuMs: Math.max(0, (await sandboxCpuMs(box.pid)) - cpuBefore),
    maxMemoryBytes: await sandboxMemoryBytes(box.pid),
  };
}

/**
 * Processes: the sentry's RLIMIT_NPROC refuses a fork and counts nothing, and the shell the
 * refusal ends leaves the build one short of the cap, where no poll sees the cap itself. So a
 * phase that failed ran out of processes when the watcher saw it within one of the cap, or its
 * leftovers are there now (threads, as the rlimit counts them). A build that fails at once and
 * whose processes are gone before either look ends as failed: nothing is left to tell.
 */
async function ranOutOfProcesses(box: Sandbox, job: WorkerJob): Promise<boolean> {
  const cap = job.limits.processes - 1;
  if (box.peakProcesses >= cap) return true;
  let out = '';
  const r = await execIn(
    box,
    ['--user', '0:0'],
    ['/bin/sh', '-c', `ps -L -U ${BUILD_UID} -o lwp= | wc -l`],
    { onOut: (stream, c) => void (stream === 'stdout' && (out += c.toString())) },
  );
  return r.code === 0 && Number(out.trim()) >= cap;
}

interface WorkspaceExport {
  complete: boolean;
  /** Why it is not, in runsc's and tar's words, when they said. */
  problem?: string;
}

/** The workspace leaves as a tar on the exec's stdout; more than the disk limit is not taken. */
async function exportWorkspace(box: Sandbox, job: WorkerJob): Promise<WorkspaceExport> {
  const child = box.track(
    runsc(box.setup, [
      'exec',
      '--user',
      '0:0',
      // The sandbox's root has no capabilities: without this it cannot read a 0700 directory of
      // the build's (a source directory made by mkdtemp, say), and the export fails.
      '--cap',
      'CAP_DAC_READ_SEARCH',
      box.id,
      'tar',
      '-c',
      '-f',
      '-',
      // HardLogLimit: no warning per socket the build left; what tar says goes nowhere unbudgeted.
      '--warning=no-file-ignored',
      '-C',
      '/workspace',
      '.',
    ]),
  );
  child.stdin?.end();
  // Drained, not kept: an unread pipe would stop tar at its 64 KiB of warnings.
  child.stderr?.resume();
  const cap = job.limits.diskBytes + 64 * 1024 ** 2;
  let written = 0;
  child.stdout?.on('data', (c: Buffer) => {
    written += c.length;
    if (written > cap) box.end('disk');
  });
  // Read, or a tar that warns about many files fills the pipe and stalls; its tail says why.
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  // Whether tar exits 0 after the file could not be written depends on whether its output fitted
  // the pipe: the write's own error decides, and is reported, never taken for a complete output.
  const writeError = await pipeline(child.stdout!, createWriteStream(job.outputTar)).then(
    () => undefined,
    (err: Error) => err,
  );
  const code = await exit;
  // Ended midway (a limit, a cancel): the output is incomplete, for a reason reported elsewhere.
  if (box.ended) return { complete: false };
  if (writeError)
    throw new ContractorError(
      'INFRASTRUCTURE',
      `the gvisor worker could not write the workspace to ${job.outputTar}: ${writeError.message}`,
      { cause: writeError },
    );
  if (code === 0) return { complete: true };
  return { complete: false, problem: `runsc exec tar exited with ${code}: ${stderr.trim()}` };
}

/** HardRAMLimit, HardCPULimit, wall time: watched from the host on the sentry, which holds the build. */
function watchLimits(box: Sandbox, job: WorkerJob, cpuWatchMs: number): () => void {
  const wall = setTimeout(() => box.end('wall'), job.limits.wallMs);
  let busy = false;
  let tick = 0;
  const memfd: MemfdHint = {};
  const timer = setInterval(() => {
    if (!box.pid || busy) return;
    busy = true;
    // The CPU walk reads every sentry thread and ptrace stub: once a second is enough for a
    // limit of minutes, and five times a second took a tenth of a core from the build.
    const cpuDue = tick++ % Math.max(1, Math.round(cpuWatchMs / WATCH_MS)) === 0;
    void Promise.all([
      sandboxMemoryBytes(box.pid, memfd),
      cpuDue ? sandboxCpuMs(box.pid) : Promise.resolve(box.cpuAtStart),
      straceLogBytes(box.setup.debugDir),
    ])
      .then(([memory, cpu, strace]) => {
        if (memory > job.limits.memoryBytes) box.end('memory');
        else if (cpu - box.cpuAtStart > job.limits.cpuMs) box.end('cpu');
        // HardDiskLimit: the sentry's log of the build's connects and sends is on the host's disk.
        else if (strace > job.limits.diskBytes) box.end('disk');
      })
      .finally(() => (busy = false));
  }, WATCH_MS);
  return () => {
    clearTimeout(wall);
    clearInterval(timer);
  };
}

/**
 * Processes and disk are seen from inside, by a root watcher the build (uid 1000) cannot signal:
 * the build's process count, and whether the job's tmpfs are full (all on one line: with two full
 * file systems a newline would split the report and the last line would not parse).
 */
/**
 * Resolves at the watcher's first report. Processes and disk are watched only from inside, so a
 * watcher that never reports, or stops while the job runs, fails the job instead of leaving it unwatched.
 */
function startWatcher(box: Sandbox, job: WorkerJob, argv: string[]): Promise<void> {
  let buf = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      box.watcherLost =
        `the gvisor limit watcher did not start within 15 s ${stderr.trim()}`.trim();
      reject(new Error(box.watcherLost));
    }, 15_000);
    void execIn(box, ['--user', '0:0'], argv, {
      onOut: (stream, c) => {
        if (stream !== 'stdout') return void (stderr = (stderr + c.toString()).slice(-2048));
        buf = (buf + c.toString()).slice(-4096);
        // Only whole lines: a chunk may end mid-report.
        const last = buf.slice(0, buf.lastIndexOf('\n')).split('\n').pop() ?? '';
        const m = /^n=(\d+) d=(.*)$/.exec(last);
        if (!m) return;
        clearTimeout(timer);
        resolve();
        box.peakProcesses = Math.max(box.peakProcesses, Number(m[1]));
        if (Number(m[1]) >= job.limits.processes) box.end('processes');
        else if ((m[2] ?? '').trim()) box.end('disk');
      },
    }).then((r) => {
      clearTimeout(timer);
      // Ended (a cancel, a limit) before its first report: the job goes on to its end, not waits for ever.
      if (box.ended) return resolve();
      box.watcherLost = `the gvisor limit watcher stopped (exit ${r.code}): ${stderr.trim()}`;
      box.end();
      reject(new Error(box.watcherLost));
    });
  });
}

async function bootLog(debugDir: string): Promise<string | undefined> {
  const name = (await readdir(debugDir).catch(() => [])).find((f) => f.endsWith('.boot.txt'));
  return name && join(debugDir, name);
}

async function straceOffset(debugDir: string): Promise<number> {
  const log = await bootLog(debugDir);
  return log ? (await stat(log)).size : 0;
}

/** Every file of the sentry's debug directory: the strace log grows with each attempt the build makes. */
async function straceLogBytes(debugDir: string): Promise<number> {
  const names = await readdir(debugDir).catch(() => [] as string[]);
  const sizes = await Promise.all(
    names.map((n) =>
      stat(join(debugDir, n)).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/** Splits the sentry's log at each phase's start, so every attempt is charged to its phase. */
async function straceSegments(
  debugDir: string,
  marks: { phase: PhaseName; offset: number }[],
): Promise<{ phase: PhaseName; text: string }[]> {
  const log = await bootLog(debugDir);
  if (!log) return [];
  const text = await readFile(log);
  return marks.map((m, i) => ({
    phase: m.phase,
    text: text.subarray(m.offset, marks[i + 1]?.offset ?? text.length).toString('latin1'),
  }));
}
