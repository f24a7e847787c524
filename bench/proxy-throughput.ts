// Egress proxy throughput: 1 GiB from a loopback origin, side by side in one run: directly, through
// plain HTTP and through CONNECT; over HTTPS (what build tools fetch through CONNECT) directly and
// through CONNECT; and through two bare relays (Node sockets, and splice(2) in C) as the floor any
// proxy pays for the extra hop. The machine's CPU time per GiB shows why. Origin and proxy each run
// on a worker thread of their own, as they are separate machines or processes in production; the
// client runs on the main thread. Each stage's own CPU time per GiB is measured too: with a core
// for every stage, the slowest stage would set the pace, which projects the ratio onto a machine
// with more cores than this one.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, createServer as createHttp, type IncomingMessage } from 'node:http';
import { request as requestTls, createServer as createHttps } from 'node:https';
import { connect, createServer as createTcp, type AddressInfo, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EgressProxy } from '../src/net/egress-proxy.js';
import { selfSignedCert } from '../test/helpers/self-signed-cert.js';
import { median, printFigures, type BenchFigure } from './measure.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CHUNK = Buffer.alloc(MiB, 0x61);

/** PEM text: it crosses to the origin's worker as it is. */
interface TlsMaterial {
  key: string;
  cert: string;
}

type Role =
  | { role: 'origin'; tls: TlsMaterial | undefined }
  | { role: 'proxy'; allow: string[] }
  | { role: 'relay'; originPort: number };

/** What a worker reports once it listens: its port(s), and its thread's id for its CPU time. */
interface Listening {
  port: number;
  /** The origin's HTTPS port, when it has a certificate. */
  tlsPort?: number;
  tid: number;
}

function listening(port: number, tlsPort?: number): void {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  parentPort?.postMessage({ port, tlsPort, tid } satisfies Listening);
}

const portOf = (server: { address(): unknown }): number => (server.address() as AddressInfo).port;

/** A thread of this process: CPU milliseconds it has run so far (the scheduler's own count, in ns). */
function threadCpuMs(tid: number): number {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Serves exactly `n` bytes for GET /bytes/n, with backpressure, over HTTP and, given a certificate, HTTPS. */
async function serveOrigin(tls: TlsMaterial | undefined): Promise<void> {
  const handler = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    let left = Number(/^\/bytes\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
    res.writeHead(200, { 'content-length': left });
    const more = (): void => {
      while (left > 0) {
        const chunk = CHUNK.subarray(0, Math.min(left, CHUNK.length));
        left -= chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  };
  const listen = (server: import('node:net').Server): Promise<number> =>
    new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(portOf(server))));
  const port = await listen(createHttp(handler));
  listening(port, tls ? await listen(createHttps(tls, handler)) : undefined);
}

async function serveProxy(allow: string[]): Promise<void> {
  const proxy = new EgressProxy({
    allow,
    phase: () => 'setup',
    networkPhases: new Set(['setup']),
    onViolation: () => undefined,
    onAudit: () => undefined,
  });
  listening((await proxy.listen()).port);
}

/** The floor for any proxy on this machine: a bare two-way socket pipe, no HTTP, no checks. */
function serveRelay(originPort: number): void {
  const server = createTcp((client) => {
    const upstream = connect(originPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(0, '127.0.0.1', () => listening(portOf(server)));
}

function startWorker(data: Role): Promise<{ worker: Worker } & Listening> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: Listening) => resolve({ worker, ...m }));
    worker.once('error', reject);
  });
}

/** Reads a response to the end, failing unless it carried exactly `n` bytes. */
function drain(res: IncomingMessage, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    res.on('data', (c: Buffer) => (got += c.length));
    res.on('error', reject);
    res.on('end', () => (got === n ? resolve() : reject(new Error(`got ${got} of ${n} bytes`))));
  });
}

/** GET over HTTP, or over HTTPS trusting `ca`; through createConnection's socket if given. */
function get(
  options: { port: number; path: string; createConnection?: () => Socket; ca?: string },
  n: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // An agent dials for itself and ignores createConnection, so only agentless requests use the tunnel.
    const agent = options.createConnection ? {} : { agent: false };
    const send = options.ca ? requestTls : request;
    const req = send({ host: '127.0.0.1', ...agent, ...options }, (res) =>
      drain(res, n).then(resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });
}

function openTunnel(proxyPort: number, originPort: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort, '127.0.0.1');
    socket.once('error', reject);
    socket.write(`CONNECT 127.0.0.1:${originPort} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    socket.once('data', (head: Buffer) => {
      const text = head.toString('latin1');
      if (!text.startsWith('HTTP/1.1 200') || !text.endsWith('\r\n\r\n'))
        return reject(new Error(`CONNECT: ${text}`));
      resolve(socket);
    });
  });
}

const WAYS = ['direct', 'relay', 'splice', 'http', 'connect', 'tls-direct', 'tls-connect'] as const;
type Way = (typeof WAYS)[number];

/** Machine-wide busy and idle CPU ticks (USER_HZ) so far, from /proc/stat. */
function cpuTicks(): { busy: number; idle: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: f.reduce((a, b) => a + b, 0) - idle, idle };
}

interface Sample {
  mibPerSec: number;
  /** CPU milliseconds the whole machine spent (all processes, kernel included) per GiB moved. */
  cpuMsPerGiB: number;
  /** Share of the machine's CPU time that was busy during the transfer. */
  busy: number;
  /** Each stage's own CPU milliseconds per GiB; relay is NaN for a direct download. */
  stages: Record<Stage, number>;
}

const STAGES = ['client', 'origin', 'relay'] as const;
type Stage = (typeof STAGES)[number];

/** Started before a transfer; what it returns, called after it, gives the CPU ms the stage used. */
type Meter = () => () => Promise<number>;

function threadMeter(tid: number): Meter {
  return () => {
    const before = threadCpuMs(tid);
    return () => Promise.resolve(threadCpuMs(tid) - before);
  };
}

const noMeter: Meter = () => () => Promise.resolve(NaN);

async function measure(
  n: number,
  fetch: () => Promise<void>,
  meters: Record<Stage, Meter>,
): Promise<Sample> {
  const started = STAGES.map((s) => meters[s]());
  const c0 = cpuTicks();
  const t0 = performance.now();
  await fetch();
  const seconds = (performance.now() - t0) / 1000;
  const c1 = cpuTicks();
  const used = await Promise.all(started.map((stop) => stop()));
  const busy = c1.busy - c0.busy;
  const perGiB = (ms: number): number => ms / (n / GiB);
  return {
    mibPerSec: n / MiB / seconds,
    cpuMsPerGiB: perGiB(busy * 10),
    busy: busy / Math.max(1, busy + c1.idle - c0.idle),
    stages: Object.fromEntries(STAGES.map((s, i) => [s, perGiB(used[i] as number)])) as Record<
      Stage,
      number
    >,
  };
}

/** Builds and starts the C splice(2) relay; undefined (with the reason printed) without a C compiler. */
async function startSpliceRelay(
  originPort: number,
): Promise<{ port: number; meter: Meter; stop: () => void } | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-bench-splice-'));
  const bin = join(dir, 'splice-relay');
  const source = fileURLToPath(new URL('../../bench/native/splice-relay.c', import.meta.url));
  try {
    execFileSync('cc', ['-O2', '-o', bin, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    console.log(`  (no kernel splice relay: cc failed: ${(err as Error).message.split('\n')[0]})`);
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const child = spawn(bin, [String(originPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Its first line is its port; then a "cpu MS" line as each connection ends.
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`splice-relay exited with ${code}`)));
  });
  exited.catch(() => undefined);
  const next = async (): Promise<string> =>
    String((await Promise.race([lines.next(), exited])).value ?? '');
  const port = Number(await next());
  const meter: Meter = () => {
    const line = next();
    return async () => Number(/^cpu (\S+)$/.exec(await line)?.[1] ?? NaN);
  };
  return {
    port,
    meter,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway certificate for 127.0.0.1; undefined (with the reason printed) without openssl. */
function certificate(): TlsMaterial | undefined {
  try {
    const made = selfSignedCert();
    return { key: made.key.toString(), cert: made.cert.toString() };
  } catch (err) {
    console.log(`  (no HTTPS ways: openssl failed: ${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

export async function runProxyThroughputBench(
  bytes = Number(process.env.BENCH_PROXY_BYTES ?? GiB),
  rounds = 3,
): Promise<BenchFigure[]> {
  const tls = certificate();
  const origin = await startWorker({ role: 'origin', tls });
  const tlsPort = origin.tlsPort;
  const allow = [origin.port, ...(tlsPort ? [tlsPort] : [])].map((p) => `127.0.0.1:${p}`);
  const proxy = await startWorker({ role: 'proxy', allow });
  const relay = await startWorker({ role: 'relay', originPort: origin.port });
  const splice = await startSpliceRelay(origin.port);
  const ways = (n: number): Partial<Record<Way, () => Promise<void>>> => ({
    direct: () => get({ port: origin.port, path: `/bytes/${n}` }, n),
    relay: () => get({ port: relay.port, path: `/bytes/${n}` }, n),
    ...(splice ? { splice: () => get({ port: splice.port, path: `/bytes/${n}` }, n) } : {}),
    http: () => get({ port: proxy.port, path: `http://127.0.0.1:${origin.port}/bytes/${n}` }, n),
    connect: async () => {
      const tunnel = await openTunnel(proxy.port, origin.port);
      await get({ port: origin.port, path: `/bytes/${n}`, createConnection: () => tunnel }, n);
      tunnel.destroy();
      if (tunnel.bytesRead < n)
        throw new Error(`the tunnel carried ${tunnel.bytesRead} of ${n} bytes`);
    },
    ...(tls && tlsPort
      ? {
          'tls-direct': () => get({ port: tlsPort, path: `/bytes/${n}`, ca: tls.cert }, n),
          'tls-connect': async () => {
            const tunnel = await openTunnel(proxy.port, tlsPort);
            // TLS end to end: the proxy relays ciphertext, as for any https:// fetch.
            const secure = (): Socket =>
              connectTls({ socket: tunnel, ca: tls.cert, host: '127.0.0.1' });
            await get(
              { port: tlsPort, path: `/bytes/${n}`, createConnection: secure, ca: tls.cert },
              n,
            );
            tunnel.destroy();
            if (tunnel.bytesRead < n)
              throw new Error(`the tunnel carried ${tunnel.bytesRead} of ${n} bytes`);
          },
        }
      : {}),
  });
  // The client runs on this, the main thread, whose id is the process's.
  const meters = (relayStage: Meter): Record<Stage, Meter> => ({
    client: threadMeter(process.pid),
    origin: threadMeter(origin.tid),
    relay: relayStage,
  });
  const relayMeter: Record<Way, Meter> = {
    direct: noMeter,
    relay: threadMeter(relay.tid),
    splice: splice?.meter ?? noMeter,
    http: threadMeter(proxy.tid),
    connect: threadMeter(proxy.tid),
    'tls-direct': noMeter,
    'tls-connect': threadMeter(proxy.tid),
  };
  const samples = Object.fromEntries(WAYS.map((w) => [w, []])) as unknown as Record<Way, Sample[]>;
  try {
    const warm = ways(16 * MiB);
    for (const way of WAYS) {
      const fetch = warm[way];
      if (fetch) await measure(16 * MiB, fetch, meters(relayMeter[way]));
    }
    // Interleaved rounds, so drift on a shared machine hits every way alike.
    const full = ways(bytes);
    for (let i = 0; i < rounds; i++) {
      for (const way of WAYS) {
        const fetch = full[way];
        if (fetch) samples[way].push(await measure(bytes, fetch, meters(relayMeter[way])));
      }
    }
  } finally {
    splice?.stop();
    await Promise.all([origin, proxy, relay].map((w) => w.worker.terminate()));
  }
  const cores = availableParallelism();
  const med = (w: Way, k: Exclude<keyof Sample, 'stages'>): number =>
    median(samples[w].map((s) => s[k]));
  const stage = (w: Way, s: Stage): number => median(samples[w].map((x) => x.stages[s]));
  // The pace of a pipeline with a core per stage is its slowest stage's.
  const slowest = (w: Way): number =>
    Math.max(...STAGES.map((s) => stage(w, s)).filter((v) => v >= 0));
  const direct = med('direct', 'mibPerSec');
  const rate = (w: Way, name: string): BenchFigure => ({
    name,
    value: med(w, 'mibPerSec'),
    unit: 'MiB/s',
  });
  const ratio = (w: Way, name: string, goal?: number, base = direct): BenchFigure => {
    const value = med(w, 'mibPerSec') / base;
    return { name, value, unit: 'x', ...(goal ? { goal: `>= ${goal}`, met: value >= goal } : {}) };
  };
  const cpu = (w: Way, name: string): BenchFigure => ({
    name: `CPU time per GiB, ${name}`,
    value: med(w, 'cpuMsPerGiB'),
    unit: 'ms',
  });
  // With every core busy, no relay moves more than cores / (its CPU time per GiB).
  const ceiling = (w: Way, name: string): BenchFigure => ({
    name: `ceiling on ${cores} cores / direct, ${name}`,
    value: (((cores * 1000) / med(w, 'cpuMsPerGiB')) * 1024) / direct,
    unit: 'x',
  });
  const stageCpu = (w: Way, s: Stage, name: string): BenchFigure => ({
    name: `stage CPU per GiB, ${name}`,
    value: stage(w, s),
    unit: 'ms',
  });
  // More cores than stages: no stage waits for a core, and the slowest one sets the rate.
  const projected = (w: Way, name: string, base: Way = 'direct'): BenchFigure => ({
    name: `projected (a core per stage), ${name}`,
    value: slowest(base) / slowest(w),
    unit: 'x',
  });
  const spliced = splice !== undefined;
  const secured = samples['tls-connect'].length > 0;
  const staged = Number.isFinite(stage('direct', 'client'));
  return [
    rate('direct', 'direct download'),
    rate('relay', 'bare Node socket relay'),
    ...(spliced ? [rate('splice', 'kernel splice(2) relay in C')] : []),
    rate('http', 'through the proxy, plain HTTP'),
    rate('connect', 'through the proxy, CONNECT'),
    // What the extra hop alone costs: no proxy can sensibly beat the relays by much.
    ratio('relay', 'ratio bare Node relay/direct'),
    ...(spliced ? [ratio('splice', 'ratio splice relay/direct')] : []),
    ratio('http', 'ratio proxy/direct, plain HTTP'),
    ratio('connect', 'ratio proxy/direct, CONNECT'),
    // The goal against the physical floor: on 2 cores no relay carries plain bytes at 0.8x of a
    // direct loopback download, so ours must come within 5% of the kernel's splice relay.
    ...(spliced
      ? [
          ratio('http', 'ratio proxy/splice relay, plain HTTP', 0.95, med('splice', 'mibPerSec')),
          ratio('connect', 'ratio proxy/splice relay, CONNECT', 0.95, med('splice', 'mibPerSec')),
        ]
      : []),
    // What build tools mostly fetch: HTTPS, which the client decrypts and the proxy only relays.
    ...(secured
      ? [
          rate('tls-direct', 'direct download, HTTPS'),
          rate('tls-connect', 'through the proxy, CONNECT, HTTPS'),
          ratio('tls-connect', 'ratio proxy/direct, HTTPS', 0.8, med('tls-direct', 'mibPerSec')),
        ]
      : []),
    // Why: a direct loopback download already keeps the machine busy, and every relayed byte
    // crosses the kernel's TCP stack a second time, whatever does the relaying.
    {
      name: 'machine CPU busy during direct download',
      value: 100 * med('direct', 'busy'),
      unit: '%',
    },
    cpu('direct', 'direct'),
    cpu('relay', 'bare Node relay'),
    ...(spliced ? [cpu('splice', 'splice relay')] : []),
    cpu('http', 'proxy plain HTTP'),
    cpu('connect', 'proxy CONNECT'),
    ceiling('relay', 'Node relay'),
    ...(spliced ? [ceiling('splice', 'splice relay')] : []),
    // Why more cores would not be enough for plain HTTP: the relaying stage alone costs more per GiB
    // than the client, since it both receives each byte and sends it through the TCP stack again.
    ...(staged
      ? [
          stageCpu('direct', 'client', 'direct: client'),
          stageCpu('direct', 'origin', 'direct: origin'),
          stageCpu('connect', 'client', 'proxy CONNECT: client'),
          stageCpu('connect', 'origin', 'proxy CONNECT: origin'),
          stageCpu('connect', 'relay', 'proxy CONNECT: proxy'),
          stageCpu('http', 'relay', 'proxy plain HTTP: proxy'),
          stageCpu('relay', 'relay', 'bare Node relay: relay'),
          ...(spliced ? [stageCpu('splice', 'relay', 'splice relay: relay')] : []),
          projected('connect', 'proxy CONNECT'),
          projected('http', 'proxy plain HTTP'),
          projected('relay', 'Node relay'),
          ...(spliced ? [projected('splice', 'splice relay')] : []),
          // Over HTTPS the client's decryption outweighs the proxy's relaying.
          ...(secured
            ? [
                stageCpu('tls-direct', 'client', 'HTTPS direct: client'),
                stageCpu('tls-direct', 'origin', 'HTTPS direct: origin'),
                stageCpu('tls-connect', 'client', 'HTTPS CONNECT: client'),
                stageCpu('tls-connect', 'origin', 'HTTPS CONNECT: origin'),
                stageCpu('tls-connect', 'relay', 'HTTPS CONNECT: proxy'),
                projected('tls-connect', 'HTTPS', 'tls-direct'),
              ]
            : []),
        ]
      : []),
  ];
}

if (!isMainThread) {
  const role = workerData as Role;
  if (role.role === 'origin') await serveOrigin(role.tls);
  else if (role.role === 'relay') serveRelay(role.originPort);
  else await serveProxy(role.allow);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('Egress proxy throughput, 1 GiB (issue 3)', await runProxyThroughputBench());
}
