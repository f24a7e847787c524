// Runs one build through a driver the way the manager would, and keeps everything it reports.
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { Driver, WorkerEvent, WorkerOutcome } from '../../src/worker/driver.js';
import type { EgressPort } from '../../src/net/egress-port.js';
import type { Limits } from '../../src/spec/types.js';
import type { Violation } from '../../src/net/violation.js';
import { unpackSanitised } from '../../src/manager/workspace-unpack.js';

export const ROOMY_LIMITS: Limits = {
  // A TCG guest's boot counts against the wall limit, and a busy machine stretches it past a
  // minute: only a test of the wall limit sets its own.
  wallMs: 15 * 60_000,
  cpuMs: 60_000,
  memoryBytes: 1024 ** 3,
  processes: 256,
  diskBytes: 256 * 1024 ** 2,
  logBytes: 8 * 1024 ** 2,
  bandwidthBytesPerSec: 10 * 1024 ** 2,
};

/** A stand-in for the egress proxy: answers every request with 200 and counts connections. */
export class AnsweringEgress implements EgressPort {
  connections = 0;
  /** The request line each connection began with (`CONNECT host:443 HTTP/1.1`, `GET http://…`). */
  readonly requests: string[] = [];
  /** The most connections open at one time. */
  maxOpen = 0;
  private open = 0;

  accept(socket: Socket): void {
    this.connections++;
    this.maxOpen = Math.max(this.maxOpen, ++this.open);
    socket.once('close', () => this.open--);
    socket.on('error', () => undefined);
    socket.once('data', (c: Buffer) => {
      this.requests.push(c.toString('latin1').split('\r\n')[0] ?? '');
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\negress-port');
    });
  }
}

export interface BuildRequest {
  /** The build phase's script; setup runs first when given. */
  build: string;
  setup?: string;
  /** Files of src/, by relative path; a value starting with '->' makes a symlink. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  limits?: Partial<Limits>;
  signal?: AbortSignal;
  /** Also unpack the output as the manager would (sanitised), into BuildResult.unpacked. */
  unpackOutput?: boolean;
  /** WorkerJob.outputOnly: the paths of src/ the caller will keep. */
  outputOnly?: RegExp[];
  /** The spec's worker-image, for tiers that boot one (vm). */
  workerImage?: string;
  /** The effective policy's containers: the filtered engine in the worker (vm). */
  containers?: boolean;
  /** Sees every event as it happens (the result has them all at the end). */
  onEvent?: (e: WorkerEvent) => void;
  /** The input as it is, instead of a tar of files: what a broken or hostile input looks like. */
  rawInput?: Buffer;
}

export interface BuildResult {
  outcome: WorkerOutcome;
  stdout: string;
  stderr: string;
  events: WorkerEvent[];
  egress: AnsweringEgress;
  elapsedMs: number;
  /** `tar -tv` of the workspace the driver wrote, when it wrote one. */
  outputListing: string;
  /** With unpackOutput: what the host's unpacking dropped, and the kept links the kernel resolves out. */
  unpacked?: { dropped: Violation[]; linksOut: string[] };
}

function inputTar(dir: string, files: Record<string, string>): Buffer {
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const at = join(dir, 'src', path);
    mkdirSync(dirname(at), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), at);
    else writeFileSync(at, content);
  }
  return execFileSync('tar', ['-c', '-f', '-', '-C', dir, 'src'], { maxBuffer: 1 << 30 });
}

/** The output as the manager unpacks it, each kept link then resolved by the kernel itself. */
/** Every link under root, found without following any (Node 20's recursive readdir follows them). */
function linksUnder(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isSymbolicLink()) return [rel];
    return e.isDirectory() ? linksUnder(root, rel) : [];
  });
}

async function unpackOnHost(tar: string, dest: string): Promise<BuildResult['unpacked']> {
  mkdirSync(dest);
  const { dropped } = await unpackSanitised(tar, dest, ROOMY_LIMITS.diskBytes);
  const linksOut = linksUnder(dest).filter((rel) => {
    const real = (() => {
      try {
        return realpathSync(join(dest, rel));
      } catch {
        return undefined; // dangling: leads nowhere
      }
    })();
    return real !== undefined && relative(realpathSync(dest), real).startsWith('..');
  });
  return { dropped, linksOut };
}

export async function runBuild(driver: Driver, req: BuildRequest): Promise<BuildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-conformance-'));
  try {
    const tar = req.rawInput ?? inputTar(join(dir, 'in'), req.files ?? {});
    const events: WorkerEvent[] = [];
    const egress = new AnsweringEgress();
    const phases = [
      ...(req.setup !== undefined ? [{ name: 'setup' as const, script: req.setup }] : []),
      { name: 'build' as const, script: req.build },
    ];
    const started = Date.now();
    const outcome = await driver.run({
      id: `t${process.pid}x${Math.floor(Math.random() * 1e6)}`,
      input: () => Readable.from([tar]),
      outputTar: join(dir, 'out.tar'),
      phases,
      env: req.env ?? {},
      limits: { ...ROOMY_LIMITS, ...req.limits },
      egress,
      onEvent: (e) => {
        events.push(e);
        req.onEvent?.(e);
      },
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.workerImage ? { workerImage: req.workerImage } : {}),
      ...(req.containers ? { containers: true } : {}),
      ...(req.outputOnly ? { outputOnly: req.outputOnly } : {}),
    });
    const elapsedMs = Date.now() - started;
    const text = (stream: 'stdout' | 'stderr'): string =>
      Buffer.concat(
        events.flatMap((e) =>
          e.type === 'output' && e.phase !== 'worker' && e.stream === stream ? [e.chunk] : [],
        ),
      ).toString();
    const outputListing = outcome.outputComplete
      ? execFileSync('tar', ['-tvf', join(dir, 'out.tar')], { maxBuffer: 1 << 30 }).toString()
      : '';
    const unpacked =
      req.unpackOutput && outcome.outputComplete
        ? await unpackOnHost(join(dir, 'out.tar'), join(dir, 'unpacked'))
        : undefined;
    return {
      outcome,
      stdout: text('stdout'),
      stderr: text('stderr'),
      events,
      egress,
      elapsedMs,
      outputListing,
      ...(unpacked ? { unpacked } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
