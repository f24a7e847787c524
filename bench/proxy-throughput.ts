// Egress proxy throughput: 1 GiB from a loopback origin, directly, through plain HTTP and through CONNECT,
// side by side in one run, with a bare socket relay as the floor any proxy pays for the extra hop. Origin
// and proxy each run on a worker thread of their own, as they are separate machines or processes in
// production; the client runs on the main thread.
import { request, createServer as createHttp, type IncomingMessage } from 'node:http';
import { connect, createServer as createTcp, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EgressProxy } from '../src/net/egress-proxy.js';
import { median, printFigures, type BenchFigure } from './measure.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CHUNK = Buffer.alloc(MiB, 0x61);

type Role = { role: 'origin' } | { role: 'proxy' | 'relay'; originPort: number };

/** Serves exactly `n` bytes for GET /bytes/n, with backpressure. */
function serveOrigin(): void {
  const server = createHttp((req, res) => {
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
  });
  server.listen(0, '127.0.0.1', () =>
    parentPort?.postMessage((server.address() as AddressInfo).port),
  );
}

async function serveProxy(originPort: number): Promise<void> {
  const proxy = new EgressProxy({
    allow: [`127.0.0.1:${originPort}`],
    phase: () => 'setup',
    networkPhases: new Set(['setup']),
    onViolation: () => undefined,
    onAudit: () => undefined,
  });
  parentPort?.postMessage((await proxy.listen()).port);
}

/** The floor for any proxy on this machine: a bare two-way socket pipe, no HTTP, no checks. */
function serveRelay(originPort: number): void {
  const server = createTcp((client) => {
    const upstream = connect(originPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(0, '127.0.0.1', () =>
    parentPort?.postMessage((server.address() as AddressInfo).port),
  );
}

function startWorker(data: Role): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', (port: number) => resolve({ worker, port }));
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

function get(
  options: { port: number; path: string; createConnection?: () => Socket },
  n: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // An agent dials for itself and ignores createConnection, so only agentless requests use the tunnel.
    const agent = options.createConnection ? {} : { agent: false };
    const req = request({ host: '127.0.0.1', ...agent, ...options }, (res) =>
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

const WAYS = ['direct', 'relay', 'http', 'connect'] as const;
type Way = (typeof WAYS)[number];

async function mibPerSec(n: number, fetch: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fetch();
  return n / MiB / ((performance.now() - t0) / 1000);
}

export async function runProxyThroughputBench(
  bytes = Number(process.env.BENCH_PROXY_BYTES ?? GiB),
  rounds = 3,
): Promise<BenchFigure[]> {
  const origin = await startWorker({ role: 'origin' });
  const proxy = await startWorker({ role: 'proxy', originPort: origin.port });
  const relay = await startWorker({ role: 'relay', originPort: origin.port });
  const ways = (n: number): Record<Way, () => Promise<void>> => ({
    direct: () => get({ port: origin.port, path: `/bytes/${n}` }, n),
    relay: () => get({ port: relay.port, path: `/bytes/${n}` }, n),
    http: () => get({ port: proxy.port, path: `http://127.0.0.1:${origin.port}/bytes/${n}` }, n),
    connect: async () => {
      const tunnel = await openTunnel(proxy.port, origin.port);
      await get({ port: origin.port, path: `/bytes/${n}`, createConnection: () => tunnel }, n);
      tunnel.destroy();
      if (tunnel.bytesRead < n)
        throw new Error(`the tunnel carried ${tunnel.bytesRead} of ${n} bytes`);
    },
  });
  const samples: Record<Way, number[]> = { direct: [], relay: [], http: [], connect: [] };
  try {
    for (const warmUp of Object.values(ways(16 * MiB))) await warmUp();
    // Interleaved rounds, so drift on a shared machine hits all four alike.
    const full = ways(bytes);
    for (let i = 0; i < rounds; i++) {
      for (const way of WAYS) samples[way].push(await mibPerSec(bytes, full[way]));
    }
  } finally {
    await Promise.all([origin, proxy, relay].map((w) => w.worker.terminate()));
  }
  const [direct, bare, http, tunnel] = WAYS.map((w) => median(samples[w])) as [
    number,
    number,
    number,
    number,
  ];
  return [
    { name: 'direct download', value: direct, unit: 'MiB/s' },
    { name: 'bare socket relay (reference floor)', value: bare, unit: 'MiB/s' },
    { name: 'through the proxy, plain HTTP', value: http, unit: 'MiB/s' },
    { name: 'through the proxy, CONNECT', value: tunnel, unit: 'MiB/s' },
    // What the extra hop alone costs: the proxy ratios below cannot sensibly exceed this one by much.
    { name: 'ratio bare relay/direct, for reference', value: bare / direct, unit: 'x' },
    {
      name: 'ratio proxy/direct, plain HTTP',
      value: http / direct,
      unit: 'x',
      goal: '>= 0.8',
      met: http / direct >= 0.8,
    },
    {
      name: 'ratio proxy/direct, CONNECT',
      value: tunnel / direct,
      unit: 'x',
      goal: '>= 0.8',
      met: tunnel / direct >= 0.8,
    },
  ];
}

if (!isMainThread) {
  const role = workerData as Role;
  if (role.role === 'origin') serveOrigin();
  else if (role.role === 'relay') serveRelay(role.originPort);
  else await serveProxy(role.originPort);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printFigures('Egress proxy throughput, 1 GiB (issue 3)', await runProxyThroughputBench());
}
