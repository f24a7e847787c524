// The vm driver: each job boots a fresh QEMU microvm from a read-only worker image.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PhaseName, Violation } from '../../net/violation.js';
import type { LimitName } from '../../spec/types.js';
import type { Driver, DriverProbe, PhaseOutcome, WorkerJob, WorkerOutcome } from '../driver.js';
import { CONTAINERS_IMAGE_VERSION, readManifest } from '../image/manifest.js';
import { imageName } from '../image/image-paths.js';
import { LogBudget } from '../log-budget.js';
import { processUsage } from '../process-usage.js';
import { listenProxySocket } from '../proxy-socket.js';
import { armWatchdog } from '../orphan-watchdog.js';
import { envPairs, scrubbedEnv } from '../scrubbed-env.js';
import { BUILD_PROXY_URL, CONTROL_PORT, GUEST_PROXY, outputPort } from './guest-init.js';
import { containerFiles, NoContainerEngine } from './container-files.js';
import { CONTAINERS_ENV } from './guest-engine.js';
import { initramfs } from './initramfs.js';
import { probeKvm } from './kvm-probe.js';
import { attemptOf, violationsFromAttempts, type Attempt } from './pcap-violations.js';
import { PcapStream } from './pcap-stream.js';
import { restoreOverQmp } from './qmp.js';
import { ALL_PHASES, qemuArgs, type VmFiles, type VmShape } from './qemu-args.js';
import { listenOnce, type PortListener } from './port-listener.js';
import { tarLength } from './tar-end.js';
import { probeVm } from './vm-probe.js';
import { cancelledBeforeStart, phasesWithUnrun } from '../unrun-phases.js';
import { buildJobDisk, writeInputDisk, makeScratchDisk } from './job-disks.js';
import {
  forgetSavedGuest,
  RestoreFailed,
  savedClockMs,
  savedGuest,
  savedRam,
  snapshotsEnabled,
  type GuestBoot,
} from './vm-snapshot.js';

/** Guest kernel, agent and page cache on top of what the build may use. */
const GUEST_OVERHEAD_MIB = 192;
/** TCG runs guest code through a translator: CPU time on the host is many times the guest's. */
const TCG_CPU_FACTOR = 20;
const SHUTDOWN_GRACE_MS = 15_000;
/** Distinct direct attempts kept (by protocol, address, port and phase); a spray keeps the first. */
const MAX_ATTEMPTS = 1000;
/** A restored guest that has not taken its start line by then is stuck: the job boots cold. */
const RESTORE_TIMEOUT_MS = 60_000;
/** Container refusals kept from one guest; the manager counts and caps violations again. */
const MAX_CONTAINER_REFUSALS = 1000;
/** How long the control lines already sent may take to be read once QEMU is gone. */
const CONTROL_DRAIN_MS = 5_000;

export class VmDriver implements Driver {
  readonly name = 'vm' as const;

  probe(): Promise<DriverProbe> {
    return probeVm();
  }

  async run(job: WorkerJob): Promise<WorkerOutcome> {
    const cancelled = cancelledBeforeStart(job);
    if (cancelled) return cancelled;
    const image = await readManifest(imageName(job.workerImage));
    if (job.containers && image.containers < CONTAINERS_IMAGE_VERSION)
      throw new NoContainerEngine(image.name, image.containers);
    const initrd = await initramfs(image.kernel);
    const verdict = await probeKvm(image.kernel.vmlinuz, initrd);
    if (!verdict.kvm) warn(job, `vm: ${verdict.why}; using TCG (slow)`);
    const work = await mkdtemp(join(tmpdir(), `contractor-vm-${job.id}-`));
    // QEMU itself dies with us (pdeathsig); its disks and sockets are removed by the watchdog.
    const watchdog = armWatchdog('rm -rf "$WORK"', [], { WORK: work });
    const boot = { image: image.name, vmlinuz: image.kernel.vmlinuz, initrd, rootfs: image.rootfs };
    const shape = await vmShape(job, verdict.kvm);
    try {
      const saved = snapshotsEnabled()
        ? await savedGuest(boot, shape, (l) => warn(job, l))
        : undefined;
      return await new VmRun(job, work, boot, shape, saved).run();
    } finally {
      await rm(work, { recursive: true, force: true });
      watchdog.disarm();
    }
  }
}

function vmShape(job: WorkerJob, kvm: boolean): Promise<VmShape> {
  return hostTscKhz().then((tscKhz) => ({
    kvm,
    // HardRAMLimit: the guest has no more memory than this, whatever it does.
    memoryMiB: Math.ceil(job.limits.memoryBytes / 1024 ** 2) + GUEST_OVERHEAD_MIB,
    // Single-threaded TCG runs every vCPU on one host thread: more would only add switching.
    cpus: kvm ? Math.max(1, Math.min(cpus().length, 4)) : 1,
    tscKhz,
  }));
}

async function hostTscKhz(): Promise<number | undefined> {
  const info = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz * 1000) : undefined;
}

/**
 * VmSnapshot: what makes this guest its own, fresh from the host for every job: random bytes for its
 * pool, the time, a hostname and a machine id.
 */
function startLine(): string {
  const id = randomBytes(16).toString('hex');
  return `go ${randomBytes(64).toString('hex')} ${Date.now()} contractor-${id.slice(0, 12)} ${id}\n`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Untrusted text for a one-line summary: control characters and escapes become spaces. */
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, ' ').slice(0, 300);
}

function warn(job: WorkerJob, line: string): void {
  job.onEvent({
    type: 'output',
    phase: 'worker',
    stream: 'stderr',
    chunk: Buffer.from(line + '\n'),
  });
}

/** One boot: the files, sockets and QEMU process of a job, and what the guest reported. */
class VmRun {
  private limit: LimitName | undefined;
  private qemu: ChildProcess | undefined;
  private readonly phases = new Map<PhaseName, PhaseOutcome>();
  private readonly phaseStarts: { phase: PhaseName; at: number }[] = [];
  private outputOk = false;
  /** Why there is no whole workspace archive, as the guest or the disk tells it. */
  private outputProblem: string | undefined;
  /** Settles when QEMU's end of the control port is closed and every line it sent was read. */
  private controlRead: Promise<void> = Promise.resolve();
  private guestError = '';
  private console = '';
  private readonly budget: LogBudget;
  private readonly attempts = new Map<string, Attempt>();
  private capture: PcapStream | undefined;
  private captureError: Error | undefined;
  private readonly containerRefusals: Violation[] = [];

  private started = false;

  constructor(
    private readonly job: WorkerJob,
    private readonly work: string,
    private readonly boot: GuestBoot,
    private readonly shape: VmShape,
    private readonly saved: string | undefined,
  ) {
    this.budget = new LogBudget(job.limits.logBytes);
  }

  private end(limit?: LimitName): void {
    this.limit ??= limit;
    this.qemu?.kill('SIGKILL');
  }

  async run(): Promise<WorkerOutcome> {
    const { job } = this;
    const files = await this.prepareDisks();
    if (this.saved)
      try {
        await this.start(files, this.saved);
      } catch (err) {
        if (!(err instanceof RestoreFailed)) throw err;
        // VmSnapshot: where restore fails, boot as before, and say so in the log.
        warn(job, `vm: ${err.message}`);
        await forgetSavedGuest(this.saved);
        this.qemu = undefined;
        await this.start(files, undefined);
      }
    else await this.start(files, undefined);
    return this.outcome();
  }

  /** One QEMU process, booted or restored from `saved`, until it exits. */
  private async start(files: VmFiles, saved: string | undefined): Promise<void> {
    const { job } = this;
    const trace = (m: string): void =>
      void (process.env.CONTRACTOR_VM_CONSOLE && process.stderr.write(`vm: ${m}\n`));
    await writeFile(files.pcap, '');
    const late = saved ? await savedClockMs(saved) : 0;
    this.capture = new PcapStream(files.pcap, ({ frame, at }) => this.onFrame(frame, at - late));
    const listeners = await this.listen(files);
    trace(saved ? 'restoring' : 'booting');
    const proxy = await listenProxySocket(files.proxySocket, job.egress);
    const onAbort = (): void => this.end();
    job.signal?.addEventListener('abort', onAbort);
    const stopWatch = this.watchLimits();
    const stuck = saved
      ? setTimeout(() => this.started || this.qemu?.kill('SIGKILL'), RESTORE_TIMEOUT_MS)
      : undefined;
    try {
      const qmp = join(this.work, 'sock/qmp');
      const restore = saved
        ? { incoming: true, qmp, ram: { path: savedRam(saved), shared: false } }
        : {};
      const args = qemuArgs(files, this.shape, restore);
      // setpriv --pdeathsig: a guest nobody supervises (the manager was killed) must not run on.
      this.qemu = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // Cancelled before QEMU was there to kill (the job was replaced while its disks were made).
      if (job.signal?.aborted) this.end();
      let qemuErr = '';
      this.qemu.stderr?.on(
        'data',
        (c: Buffer) => (qemuErr = (qemuErr + c.toString()).slice(-4096)),
      );
      const exited = new Promise<number | null>((resolve) => {
        this.qemu?.on('error', () => resolve(null));
        this.qemu?.on('close', resolve);
      });
      this.readControl(listeners.get(CONTROL_PORT), Boolean(saved));
      this.readConsole(listeners.get('console'));
      for (const p of ALL_PHASES)
        for (const s of ['stdout', 'stderr'] as const)
          this.readOutput(listeners.get(outputPort(p, s)), p, s);
      // A state that will not load ends QEMU, and the job boots cold (RestoreFailed below).
      if (saved)
        void restoreOverQmp(qmp, saved).catch((err: Error) => {
          qemuErr += `\n${err.message}`;
          this.qemu?.kill('SIGKILL');
        });
      const code = await exited;
      // The guest's last lines (output ok) may still be unread when QEMU's exit is seen.
      await Promise.race([this.controlRead, delay(CONTROL_DRAIN_MS)]);
      const interrupted = Boolean(this.limit || job.signal?.aborted);
      if (saved && !this.started && !interrupted)
        throw new RestoreFailed(`qemu exit ${code}: ${qemuErr.trim().slice(-300)}`);
      if (!interrupted && !this.outputOk && this.phases.size === 0)
        throw new Error(
          `the VM did not run the job (qemu exit ${code}): ${[this.guestError, qemuErr.trim(), this.console.slice(-600)].filter(Boolean).join(' | ')}`,
        );
    } finally {
      clearTimeout(stuck);
      stopWatch();
      job.signal?.removeEventListener('abort', onAbort);
      this.qemu?.kill('SIGKILL');
      await proxy.close();
      listeners.forEach((l) => l.close());
    }
  }

  private async outcome(): Promise<WorkerOutcome> {
    const { job } = this;
    const attempts = await this.finishCapture();
    const outputComplete = this.outputOk && !this.limit && (await this.trimOutput());
    if (!this.outputOk)
      this.outputProblem ??= 'the guest never reported writing the workspace archive';
    const ended = Boolean(this.limit || job.signal?.aborted);
    return {
      phases: phasesWithUnrun(job, [...this.phases.values()], ended),
      ...(this.limit ? { limit: this.limit } : {}),
      violations: this.violations(attempts),
      outputComplete,
      ...(!outputComplete && this.outputProblem ? { outputProblem: this.outputProblem } : {}),
      ...(job.signal?.aborted ? { cancelled: true } : {}),
    };
  }

  private async prepareDisks(): Promise<VmFiles> {
    const { job, work } = this;
    const f = (n: string): string => join(work, n);
    await mkdir(f('sock'), { mode: 0o700 });
    const sockets: Record<string, string> = {
      console: f('sock/console'),
      [CONTROL_PORT]: f('sock/ctl'),
    };
    for (const p of ALL_PHASES)
      for (const s of ['stdout', 'stderr'] as const)
        sockets[outputPort(p, s)] = f(`sock/${p}-${s}`);
    const env = envPairs({
      ...scrubbedEnv(job.env, BUILD_PROXY_URL),
      // The spec cannot point the CLI elsewhere: the filter's socket is set last.
      ...(job.containers ? CONTAINERS_ENV : {}),
    });
    const extra = job.containers ? await containerFiles(job.insecureRegistries) : {};
    await buildJobDisk(f('job.tar'), f('job'), job.phases, env, job.limits, extra);
    await writeInputDisk(job.input(), f('input.tar'));
    // HardDiskLimit: the workspace disk is exactly the limit; the output disk holds its tar and no more.
    await makeScratchDisk(f('scratch.ext4'), job.limits.diskBytes);
    await writeFile(job.outputTar, '');
    await truncate(job.outputTar, job.limits.diskBytes + 64 * 1024 ** 2);
    return {
      vmlinuz: this.boot.vmlinuz,
      initrd: this.boot.initrd,
      rootfs: this.boot.rootfs,
      job: f('job.tar'),
      input: f('input.tar'),
      scratch: f('scratch.ext4'),
      output: job.outputTar,
      pcap: f('net.pcap'),
      sockets,
      proxySocket: f('sock/egress'),
    };
  }

  private async listen(files: VmFiles): Promise<Map<string, PortListener>> {
    const m = new Map<string, PortListener>();
    for (const [name, path] of Object.entries(files.sockets)) m.set(name, await listenOnce(path));
    return m;
  }

  /** Control lines are short and few; anything else from the guest is ignored. */
  private readControl(l: PortListener | undefined, restoring: boolean): void {
    let buf = '';
    if (!l) return;
    this.controlRead = l.socket.then(
      (s) =>
        new Promise<void>((resolve) => {
          // A restored guest is waiting for its start line already; a booted one asks with "ready".
          if (restoring) s.write(startLine());
          s.on('data', (c: Buffer) => {
            buf = (buf + c.toString('latin1')).slice(-8192);
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).slice(0, 512);
              buf = buf.slice(nl + 1);
              if (line === 'ready' && !restoring) s.write(startLine());
              this.onControl(line);
            }
          });
          s.once('close', () => resolve());
        }),
    );
  }

  private onControl(line: string): void {
    const [word, name, ...rest] = line.split(' ');
    const phase = this.job.phases.find((p) => p.name === name)?.name;
    const now = Date.now();
    if (word === 'phase' && phase && !this.phases.has(phase)) {
      this.phaseStarts.push({ phase, at: now });
      this.phases.set(phase, { name: phase, exitCode: null, startedAt: now, durationMs: 0 });
      this.job.onEvent({ type: 'phase', phase, at: now });
    } else if (word === 'exit' && phase) this.onExit(phase, rest.map(Number), now);
    else if (word === 'limit' && phase) this.onLimit(rest[0]);
    else if (word === 'output') this.onOutput(name === 'ok', rest.join(' '));
    else if (word === 'started') this.started = true;
    else if (word === 'error') this.guestError = line.slice(6, 300);
    else if (word === 'container') this.onContainerRefusal(line.slice(10));
  }

  /**
   * The filter's refusal, relayed by the agent; untrusted like every guest line (the build could
   * forge one, to its own loss). The phase is the host's: the one running when the line came.
   */
  private onContainerRefusal(detail: string): void {
    if (this.containerRefusals.length >= MAX_CONTAINER_REFUSALS) return;
    const phase = this.phaseStarts.at(-1)?.phase ?? 'setup';
    this.containerRefusals.push({ kind: 'container', phase, detail: printable(detail).trim() });
  }

  /** The guest's word on the archive; its reason quotes tar, which quotes the build's file names. */
  private onOutput(ok: boolean, why: string): void {
    this.outputOk = ok;
    if (ok) return;
    const said = printable(why).trim();
    this.outputProblem = `the guest could not write the workspace archive${said ? `: ${said}` : ''}`;
  }

  private onExit(phase: PhaseName, [code, cpuMs, peak]: number[], now: number): void {
    const p = this.phases.get(phase);
    if (!p) return;
    p.durationMs = now - p.startedAt;
    p.exitCode = this.limit || !Number.isInteger(code) ? null : (code as number);
    if (Number.isFinite(cpuMs)) p.cpuMs = cpuMs as number;
    if (Number.isFinite(peak) && (peak as number) > 0) p.maxMemoryBytes = peak as number;
  }

  /** The guest names the limit its phase hit; only the names the host knows are taken. */
  private onLimit(name: string | undefined): void {
    const known: LimitName[] = ['cpu', 'memory', 'processes', 'disk'];
    const hit = known.find((k) => k === name);
    if (hit) this.limit ??= hit;
  }

  private readConsole(l: PortListener | undefined): void {
    void l?.socket.then((s) =>
      s.on('data', (c: Buffer) => {
        this.console = (this.console + c.toString('latin1')).slice(-8192);
        if (process.env.CONTRACTOR_VM_CONSOLE) process.stderr.write(c);
      }),
    );
  }

  private readOutput(
    l: PortListener | undefined,
    phase: PhaseName,
    stream: 'stdout' | 'stderr',
  ): void {
    void l?.socket.then((s) =>
      s.on('data', (chunk: Buffer) => {
        const { fits, over } = this.budget.take(chunk);
        if (fits.length) this.job.onEvent({ type: 'output', phase, stream, chunk: fits });
        if (over) this.end('log');
      }),
    );
  }

  /** Wall time and CPU on the host side, where the guest cannot touch the clock. */
  private watchLimits(): () => void {
    const { limits } = this.job;
    const wall = setTimeout(() => this.end('wall'), limits.wallMs);
    const factor = this.shape.kvm ? 1.2 : TCG_CPU_FACTOR;
    const timer = setInterval(() => {
      const pid = this.qemu?.pid;
      if (pid)
        void processUsage(pid).then((u) => {
          if (u && u.cpuMs > limits.cpuMs * factor) this.end('cpu');
        });
      void this.pollCapture();
    }, 500);
    return () => {
      clearTimeout(wall);
      clearInterval(timer);
    };
  }

  /** Cuts the raw output disk down to the archive on it, found by walking its headers. */
  private async trimOutput(): Promise<boolean> {
    const limit = this.job.limits.diskBytes + 64 * 1024 ** 2;
    const length = await tarLength(this.job.outputTar, limit).catch(() => undefined);
    if (length === undefined) {
      this.outputProblem = 'the output disk holds no complete tar archive';
      return false;
    }
    await truncate(this.job.outputTar, length);
    return true;
  }

  /**
   * HardDiskLimit: the capture of what the guest sent grows on the host's disk, so it may take no
   * more than the job's disk limit; read as it grows, it never needs more memory than a chunk.
   */
  private async pollCapture(): Promise<void> {
    try {
      await this.capture?.poll();
    } catch (err) {
      this.captureError ??= err as Error;
      this.end();
      return;
    }
    const bytes = this.capture?.bytes ?? 0;
    if (bytes <= this.job.limits.diskBytes || this.limit) return;
    warn(this.job, `vm: the capture of the guest's packets passed the disk limit (${bytes} bytes)`);
    this.end('disk');
  }

  private onFrame(frame: Buffer, at: number): void {
    const a = attemptOf(frame, at);
    if (!a) return;
    const key = `${a.proto} ${a.host} ${a.port} ${this.phaseAt(a.at)}`;
    if (this.attempts.has(key) || this.attempts.size >= MAX_ATTEMPTS) return;
    this.attempts.set(key, a);
  }

  private phaseAt(t: number): PhaseName {
    const starts = this.phaseStarts;
    return [...starts].reverse().find((s) => s.at <= t)?.phase ?? starts[0]?.phase ?? 'setup';
  }

  /**
   * The rest of the capture once QEMU has gone. A capture that cannot be read, or ends mid-record,
   * fails the job: it would otherwise read as "no direct attempt". A job a limit or a cancel ended
   * has failed already, and keeps what was read.
   */
  private async finishCapture(): Promise<Attempt[]> {
    const err =
      this.captureError ??
      (await this.capture?.finish().then(
        () => undefined,
        (e: Error) => e,
      ));
    if (err && !this.limit && !this.job.signal?.aborted) throw err;
    return [...this.attempts.values()];
  }

  private violations(attempts: Attempt[]): Violation[] {
    const [host = '', port = '0'] = GUEST_PROXY.split(':');
    return [
      ...violationsFromAttempts(attempts, { host, port: Number(port) }, (t) => this.phaseAt(t)),
      ...this.containerRefusals,
    ];
  }
}
