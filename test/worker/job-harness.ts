// Runs one WorkerJob against a driver with a stand-in proxy, and reads back what came out.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { PhaseName } from '../../src/net/violation.js';
import type { Limits } from '../../src/spec/types.js';
import type { Driver, WorkerEvent, WorkerOutcome } from '../../src/worker/driver.js';
import { tempDir } from '../helpers/tmp.js';

export const TEST_LIMITS: Limits = {
  // Roomy: a TCG guest's boot counts against it, and a busy machine stretches that.
  wallMs: 15 * 60_000,
  cpuMs: 600_000,
  memoryBytes: 1024 ** 3,
  processes: 256,
  diskBytes: 256 * 1024 ** 2,
  logBytes: 1024 ** 2,
  bandwidthBytesPerSec: 10 * 1024 ** 2,
};

export interface JobRun {
  outcome: WorkerOutcome;
  output: Record<PhaseName | 'worker', string>;
  /** First request line of each connection that reached the stand-in proxy. */
  proxied: string[];
  /** Files of the workspace tar that came back, with their contents. */
  files: Map<string, string>;
}

/** The proxy double answers every request with 200 and a body naming the request line. */
function standInProxy(proxied: string[]): { accept(s: Socket): void } {
  return {
    accept(s: Socket) {
      s.once('data', (d: Buffer) => {
        const line = d.toString('latin1').split('\r\n')[0] ?? '';
        proxied.push(line);
        s.end(
          `HTTP/1.1 200 OK\r\ncontent-length: ${line.length + 1}\r\nconnection: close\r\n\r\n${line}\n`,
        );
      });
      s.on('error', () => undefined);
    },
  };
}

function tarOf(dir: string): NodeJS.ReadableStream {
  return spawn('tar', ['-c', '-f', '-', '-C', dir, '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
    .stdout;
}

async function untar(tar: string, dir: string): Promise<Map<string, string>> {
  mkdirSync(dir);
  await new Promise<void>((resolve, reject) => {
    const t = spawn('tar', ['-x', '-f', tar, '-C', dir, '--no-same-owner'], { stdio: 'ignore' });
    t.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exit ${code}`))));
  });
  const list = await new Promise<string>((resolve) => {
    const t = spawn('find', ['.', '-type', 'f'], { cwd: dir });
    let out = '';
    t.stdout.on('data', (c: Buffer) => (out += c.toString()));
    t.on('close', () => resolve(out));
  });
  const files = new Map<string, string>();
  for (const f of list.split('\n').filter(Boolean))
    files.set(f.replace(/^\.\//, ''), readFileSync(join(dir, f), 'latin1'));
  return files;
}

export async function runJob(
  driver: Driver,
  phases: { name: PhaseName; script: string }[],
  opts: {
    src?: Record<string, string>;
    limits?: Partial<Limits>;
    env?: Record<string, string>;
    workerImage?: string;
  } = {},
): Promise<JobRun> {
  const tmp = tempDir('contractor-driver-test-');
  try {
    for (const [path, text] of Object.entries(opts.src ?? { README: 'hi\n' })) {
      const full = join(tmp.path, 'in/src', path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
    const output = { setup: '', build: '', worker: '' };
    const proxied: string[] = [];
    const outcome = await driver.run({
      id: `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      input: () => tarOf(join(tmp.path, 'in')) as never,
      outputTar: join(tmp.path, 'out.tar'),
      phases,
      env: opts.env ?? {},
      limits: { ...TEST_LIMITS, ...opts.limits },
      ...(opts.workerImage ? { workerImage: opts.workerImage } : {}),
      egress: standInProxy(proxied),
      onEvent: (e: WorkerEvent) => {
        if (e.type === 'output') output[e.phase] += e.chunk.toString();
      },
    });
    const files = outcome.outputComplete
      ? await untar(join(tmp.path, 'out.tar'), join(tmp.path, 'out'))
      : new Map();
    return { outcome, output, proxied, files };
  } finally {
    tmp.remove();
  }
}
