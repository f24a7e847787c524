// The worker contract as executable checks: one test per guarantee, run against any Driver.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { suite } from 'uvu';
import type { Driver } from '../../src/worker/driver.js';
import { QUIET_TOOLS } from '../../src/worker/scrubbed-env.js';
import { GUEST_PROXY } from '../../src/worker/vm/guest-init.js';
import { processesMatching } from '../helpers/processes.js';
import { buildProject } from './real-project.js';
import { runBuild, type BuildRequest, type BuildResult } from './run-build.js';

export type DriverFactory = () => Driver | Promise<Driver>;

/** A number no other process on the machine has in its command line. */
export function marker(): string {
  return String(3_000_000_000 + Math.floor(Math.random() * 999_999_999));
}

/** A process on the host the build must neither see nor touch. */
export function hostSentinel(): {
  pid: number;
  marker: string;
  alive: () => boolean;
  stop: () => void;
} {
  const m = marker();
  const child = spawn('sleep', [m], { stdio: 'ignore' });
  return {
    pid: child.pid ?? 0,
    marker: m,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => child.kill('SIGKILL'),
  };
}

const SYSCALL_PROBE = `
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(r):
    return ctypes.get_errno() if r == -1 else 0
def sys(*args):
    ctypes.set_errno(0)
    return errno_of(libc.syscall(*args))
out = {
  'ptrace': sys(101, 0, 0, 0, 0),
  'mount': sys(165, b'none', b'/tmp', b'tmpfs', 0, 0),
  'unshare': sys(272, 0x10000000),
  'keyctl': sys(250, 0, -1, 0, 0, 0),
  'bpf': sys(321, 0, 0, 0),
  'io_uring_setup': sys(425, 8, ctypes.byref((ctypes.c_char * 120)())),
  'modify_ldt': sys(154, 0, ctypes.byref((ctypes.c_char * 16)()), 16),
  'clone3': sys(435, 0, 0),
  'tiocsti': errno_of(libc.ioctl(0, 0x5412, ctypes.byref(ctypes.c_char(b'x')))),
}
print(json.dumps(out))
`;

/**
 * A build-side connect with a long time-out: it prints how the attempt ended. A trap that dropped
 * the packets silently would leave it waiting the whole time-out; one that refuses (or a guest
 * that gives up on an unanswered SYN) ends it with an error.
 */
function connectProbe(host: string, port: number): string {
  // Python's own time-out raises TimeoutError with no errno; the kernel's errors carry one (a
  // guest that gives up on an unanswered SYN says ETIMEDOUT, also a TimeoutError).
  return `import socket
try:
    socket.create_connection((${JSON.stringify(host)}, ${port}), timeout=${PROBE_TIMEOUT_S})
    print('connect: connected')
except OSError as e:
    print('connect: failed', e.errno) if e.errno else print('connect: timed out')
`;
}

/** Long enough that no busy machine turns a refusal into a time-out, short enough to end the test. */
const PROBE_TIMEOUT_S = 120;

/** "Fails fast" as the build saw it: the connect failed with an error, not its own time-out. */
function assertRefusedFast(r: BuildResult): void {
  assert.match(r.stdout, /^connect: failed \d+$/m, r.stdout + r.stderr);
}

/** socket() per family: the errno it answered, 0 when it made a socket. */
const SOCKET_PROBE = `
import json, socket
def errno_of(family, kind):
    try:
        socket.socket(family, kind).close()
        return 0
    except OSError as e:
        return e.errno
def pair():
    try:
        [s.close() for s in socket.socketpair(socket.AF_UNIX)]
        return 0
    except OSError as e:
        return e.errno
print(json.dumps({
  'unix': errno_of(1, socket.SOCK_STREAM), 'unix-pair': pair(),
  'inet': errno_of(2, socket.SOCK_STREAM), 'inet6': errno_of(10, socket.SOCK_STREAM),
  'netlink': errno_of(16, socket.SOCK_RAW),
  'vsock': errno_of(40, socket.SOCK_STREAM), 'vsock-dgram': errno_of(40, socket.SOCK_DGRAM),
  'packet': errno_of(17, socket.SOCK_DGRAM), 'alg': errno_of(38, socket.SOCK_SEQPACKET),
  'bluetooth': errno_of(31, socket.SOCK_STREAM), 'key': errno_of(15, socket.SOCK_RAW),
  'tipc': errno_of(30, socket.SOCK_RDM), 'rds': errno_of(21, socket.SOCK_SEQPACKET),
  'xdp': errno_of(44, socket.SOCK_RAW),
}))
`;

/**
 * Connects to [::1] and to the user-mode network's host address (which slirp maps to the host's
 * loopback) from sources the build picks itself: libslirp 4.7's restrict=on check reads bytes 4-7
 * of an IPv6 source as the IPv4 destination of its proxy forward.
 */
const IPV6_SOURCE_PROBE = `
import socket, sys, threading
IPV6_FREEBIND = 78
ports = [int(p) for p in sys.argv[1:]]
fwd = socket.inet_aton('${GUEST_PROXY.split(':')[0]}').hex()
sources = [None, 'fec0:0:%s:%s::15' % (fwd[:4], fwd[4:]), '2001:db8:%s:%s::1' % (fwd[:4], fwd[4:])]
def attempt(dst, src, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        if src:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
            s.bind((src, 0))
        s.connect((dst, port))
        print('connected', dst, src, port)
    except OSError as e:
        print('refused', dst, src, port, e)
    finally:
        s.close()
ts = [threading.Thread(target=attempt, args=(d, s, p)) for d in ['::1', 'fec0::2'] for s in sources for p in ports]
[t.start() for t in ts]
[t.join() for t in ts]
`;

function listenLoopback6(port: number, onConnection: () => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => {
      onConnection();
      c.destroy();
    });
    server.once('error', reject);
    server.listen({ host: '::1', port, ipv6Only: true }, () => resolve(server));
  });
}

/**
 * [::1] on a fixed port, waiting while another run holds it: two test runs on one host (a CI
 * beside a container's, which shares the host's network) take it in turn, each for one build.
 */
async function listenLoopback6Fixed(port: number, onConnection: () => void): Promise<Server> {
  const until = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      return await listenLoopback6(port, onConnection);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export function conformanceSuite(name: string, makeDriver: DriverFactory) {
  const test = suite(`${name} conformance`);
  const build = async (req: BuildRequest): Promise<BuildResult> =>
    runBuild(await makeDriver(), req);

  // Files
  test('the workspace holds the source, is writable, and comes back as the output tar', async () => {
    const r = await build({
      files: { 'hello.txt': 'from the source\n' },
      build: 'cat hello.txt; echo made > made.txt; pwd',
    });
    assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, r.stderr);
    assert.match(r.stdout, /from the source\n\/workspace\/src/);
    assert.equal(r.outcome.outputComplete, true);
    assert.match(r.outputListing, /src\/made\.txt/);
  });

  test('the input may be two archives in one stream: a saved workspace, then the source', async () => {
    // As workspace-stage.ts sends them: each its own tar, end-of-archive blocks and all.
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/contractor-two-tars-`);
    mkdirSync(`${dir}/ws/cache`, { recursive: true });
    writeFileSync(`${dir}/ws/cache/kept.txt`, 'from the saved workspace\n');
    mkdirSync(`${dir}/source/src`, { recursive: true });
    writeFileSync(`${dir}/source/src/hello.txt`, 'from the source\n');
    const tar = (from: string): Buffer => execFileSync('tar', ['-c', '-f', '-', '-C', from, '.']);
    const rawInput = Buffer.concat([tar(`${dir}/ws`), tar(`${dir}/source`)]);
    rmSync(dir, { recursive: true, force: true });
    const r = await build({ rawInput, build: 'cat ../cache/kept.txt hello.txt' });
    assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'from the saved workspace\nfrom the source\n');
  });

  // gVisor's export ran as a root without capabilities: a source directory made by mkdtemp
  // (0700) came back as "Cannot open: Permission denied", and the job lost its artifacts.
  test('a workspace whose modes shut others out still comes back whole', async () => {
    const r = await build({
      build:
        'mkdir -p secret && echo x > secret/f && chmod 700 secret && echo y > nope && chmod 000 nope && chmod 700 /workspace/src',
    });
    assert.equal(r.outcome.outputComplete, true, r.outcome.outputProblem ?? r.stderr);
    assert.match(r.outputListing, /src\/secret\/f\n/);
    assert.match(r.outputListing, /src\/nope\n/);
  });

  test('the OS and toolchain are read-only', async () => {
    const r = await build({
      build:
        'for p in /usr/contractor /etc/contractor /contractor /bin/contractor; do (: > $p) 2>/dev/null && echo "WROTE $p"; done; cc --version >/dev/null && echo toolchain-ok',
    });
    assert.doesNotMatch(r.stdout, /WROTE/);
    assert.match(r.stdout, /toolchain-ok/);
  });

  test('/tmp is private to the job', async () => {
    const m = marker();
    const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const hostDir = mkdtempSync(`${tmpdir()}/contractor-host-`);
    writeFileSync(`${hostDir}/host-${m}`, 'host');
    const r = await build({
      build: `ls -a /tmp; find /tmp -name 'host-${m}'; echo private > /tmp/job-${m}; true`,
    });
    assert.doesNotMatch(r.stdout, new RegExp(`host-${m}`));
    assert.equal(existsSync(`${tmpdir()}/job-${m}`), false);
    rmSync(hostDir, { recursive: true, force: true });
  });

  test('no host home, root, /run, SSH agent, docker socket or /dev/kvm', async () => {
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = '/tmp/contractor-fake-agent.sock';
    const paths = [
      '/home',
      '/root',
      '/run',
      '/var/run/docker.sock',
      '/run/docker.sock',
      '/dev/kvm',
      '/tmp/contractor-fake-agent.sock',
    ];
    const r = await build({
      build: `for p in ${paths.join(' ')}; do test -e $p && echo "SEES $p"; done; echo "agent=[$SSH_AUTH_SOCK]"`,
    });
    if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = saved;
    assert.doesNotMatch(r.stdout, /SEES/);
    assert.match(r.stdout, /agent=\[\]/);
  });

  test("the host's processes are invisible in /proc", async () => {
    const host = hostSentinel();
    try {
      const r = await build({
        build: `cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; echo; test -e /proc/${host.pid} && echo SEES-HOST-PID; ls /proc | grep -c '^[0-9]'`,
      });
      assert.doesNotMatch(r.stdout, new RegExp(host.marker));
      assert.doesNotMatch(r.stdout, /SEES-HOST-PID/);
      assert.ok(Number(r.stdout.trim().split('\n').pop()) < 20, r.stdout);
    } finally {
      host.stop();
    }
  });

  test("the environment is the spec's env plus PATH, HOME, LANG, the proxy and the quiet-tool switches", async () => {
    process.env.CONTRACTOR_CONFORMANCE_SECRET = 'manager-secret-value';
    const r = await build({ env: { SPEC_VAR: 'from-spec' }, build: 'env' });
    delete process.env.CONTRACTOR_CONFORMANCE_SECRET;
    assert.doesNotMatch(r.stdout, /manager-secret-value/);
    const names = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=')[0])
      .sort();
    const allowed = [
      'HOME',
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'LANG',
      'NO_PROXY',
      'PATH',
      'PWD',
      'SHLVL',
      'SPEC_VAR',
      '_',
      'http_proxy',
      'https_proxy',
      'no_proxy',
      ...Object.keys(QUIET_TOOLS),
    ];
    assert.deepEqual(
      names.filter((n) => !allowed.includes(n as string)),
      [],
    );
    assert.match(r.stdout, /SPEC_VAR=from-spec/);
    // npm's update notifier would otherwise call the registry from the offline build phase.
    assert.match(r.stdout, /^npm_config_update_notifier=false$/m);
    assert.match(r.stdout, /HTTP_PROXY=http:\/\/127\.0\.0\.1:3128/);
  });

  test('no descriptor beyond stdio reaches the build', async () => {
    const r = await build({ build: 'ls /proc/self/fd' });
    const fds = r.stdout.split('\n').filter(Boolean).map(Number);
    // ls's own directory handle is the one above stderr.
    assert.ok(fds.filter((fd) => fd > 2).length <= 1, r.stdout);
  });

  // Processes
  test('the build runs in its own PID namespace as an unprivileged user', async () => {
    const r = await build({
      build: 'echo "pid=$$ uid=$(id -u)"; ls /proc | grep "^[0-9]" | wc -l',
    });
    // Small numbers and few processes: a namespace of its own. Not pid < 10: a tier's own helpers
    // (gVisor's limit watcher runs ps every 0.3 s) take numbers in the same namespace.
    const pid = Number(/pid=(\d+)/.exec(r.stdout)?.[1]);
    const visible = Number(r.stdout.trim().split('\n').pop());
    assert.ok(pid < 1000, r.stdout);
    assert.ok(visible < 30, `${visible} processes visible: ${r.stdout}`);
    assert.doesNotMatch(r.stdout, /uid=0\b/);
  });

  test('no new privileges', async () => {
    // Asked of the kernel (gVisor's sentry included) with prctl(PR_GET_NO_NEW_PRIVS), not read
    // from /proc/self/status, whose NoNewPrivs line older gVisor releases do not print.
    const r = await build({
      build: 'python3 -c "import ctypes; print(\'nnp\', ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))"',
    });
    assert.match(r.stdout, /nnp 1\b/, r.stdout + r.stderr);
  });

  test('seccomp denies ptrace, mount, unshare, keyctl, bpf, io_uring, modify_ldt, clone3 and TIOCSTI', async () => {
    const r = await build({
      files: { 'probe.py': SYSCALL_PROBE },
      build: 'python3 probe.py; unshare -U true && echo UNSHARED || true',
    });
    const denied = JSON.parse(r.stdout.split('\n')[0] ?? '{}') as Record<string, number>;
    for (const call of ['ptrace', 'mount', 'unshare', 'keyctl', 'bpf'])
      assert.ok(denied[call], `${call} was allowed: ${r.stdout}`);
    // EPERM from the filter, not ENOSYS from a kernel without them: the probe's arguments are valid.
    for (const call of ['io_uring_setup', 'modify_ldt'])
      assert.equal(denied[call], 1, `${call} was not refused by the filter: ${r.stdout}`);
    assert.equal(denied.clone3, 38, 'clone3 answers ENOSYS so libc falls back to clone');
    assert.equal(
      denied.tiocsti,
      1,
      'TIOCSTI is EPERM, not the ENOTTY a /dev/null gives without the filter',
    );
    assert.doesNotMatch(r.stdout, /UNSHARED/);
  });

  test('socket() makes AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK sockets and no other family', async () => {
    const r = await build({ files: { 'probe.py': SOCKET_PROBE }, build: 'python3 probe.py' });
    const errnos = JSON.parse(r.stdout.split('\n')[0] ?? '{}') as Record<string, number>;
    for (const family of ['unix', 'unix-pair', 'inet', 'inet6', 'netlink'])
      assert.equal(errnos[family], 0, `${family} was refused: ${r.stdout}${r.stderr}`);
    // EAFNOSUPPORT or EPERM: refused, not made and not merely ill-typed.
    for (const family of [
      'vsock',
      'vsock-dgram',
      'packet',
      'alg',
      'bluetooth',
      'key',
      'tipc',
      'rds',
      'xdp',
    ])
      assert.ok(
        [1, 97].includes(errnos[family] as number),
        `${family} answered ${errnos[family]}: ${r.stdout}`,
      );
  });

  test("the build sees neither the host's kernel command line nor its boot id", async () => {
    const cmdline = readFileSync('/proc/cmdline', 'utf8').trim();
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    assert.ok(cmdline.length > 0 && bootId.length > 0, 'the host shows no command line or boot id');
    const r = await build({
      build: 'cat /proc/cmdline /proc/sys/kernel/random/boot_id 2>&1 || true; echo read-done',
    });
    assert.match(r.stdout, /read-done/, r.stderr);
    assert.ok(!r.stdout.includes(cmdline), `the host's command line shows: ${r.stdout}`);
    assert.ok(!r.stdout.includes(bootId), `the host's boot id shows: ${r.stdout}`);
  });

  test('a job sees nothing of another job running beside it', async () => {
    const m = marker();
    const stopA = new AbortController();
    let ready: () => void = () => undefined;
    const aReady = new Promise<void>((resolve) => (ready = resolve));
    // READY once it listens, not after a guessed delay that a busy machine could outrun.
    const listen = `import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 47123))\ns.listen()\nprint('READY', flush=True)\ntime.sleep(600)\n`;
    const a = build({
      files: { 'listen.py': listen },
      build: `echo ${m} > /workspace/a-${m}; echo ${m} > /tmp/a-${m}; python3 listen.py & sleep ${m}`,
      signal: stopA.signal,
      onEvent: (e) => {
        if (e.type === 'output' && e.chunk.toString().includes('READY')) ready();
      },
    });
    try {
      await Promise.race([
        aReady,
        a.then((r) => Promise.reject(new Error(`job A ended early: ${r.stdout} ${r.stderr}`))),
      ]);
      const b = await build({
        build: [
          // Globs, not ls: gVisor's 2022 sentry answers ls's statx with EINVAL.
          'for d in /workspace /workspace/src /tmp; do echo $d/* $d/.*; done',
          "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; echo",
          `python3 -c "import socket; s=socket.socket(); s.settimeout(2); print('loopback', s.connect_ex(('127.0.0.1', 47123)))"`,
        ].join('\n'),
      });
      assert.doesNotMatch(b.stdout + b.stderr, new RegExp(m), b.stdout);
      assert.match(b.stdout, /loopback (\d+)/);
      assert.doesNotMatch(b.stdout, /loopback 0\b/, 'job B reached job A on 127.0.0.1');
    } finally {
      stopA.abort();
      await a.catch(() => undefined);
    }
  });

  test('a daemon or setsid child does not survive the job', async () => {
    const m = marker();
    const r = await build({
      setup: `setsid sleep ${m} </dev/null >/dev/null 2>&1 & nohup sh -c 'sleep ${m}1' </dev/null >/dev/null 2>&1 &`,
      build: `pgrep -f ${m} && echo SURVIVED-PHASE; true`,
    });
    assert.doesNotMatch(r.stdout, /SURVIVED-PHASE/);
    assert.deepEqual(processesMatching(m), []);
  });

  // Network
  test('a raw IP connection fails fast and is recorded with its address and port', async () => {
    const r = await build({
      files: { 'connect.py': connectProbe('192.0.2.7', 8443) },
      build: 'python3 connect.py',
    });
    assertRefusedFast(r);
    const v = r.outcome.violations.find((x) => x.host === '192.0.2.7');
    assert.equal(v?.kind, 'network');
    assert.equal(v?.port, 8443);
    assert.equal(v?.phase, 'build');
  });

  test('a DNS query to a resolver address is recorded as dns', async () => {
    const q = `import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
try:
  s.sendto(b'\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01', ('198.51.100.53', 53)); s.recv(512)
except OSError as e: print('dns failed', e)`;
    const r = await build({
      files: { 'q.py': q },
      setup: 'python3 q.py',
      build: 'getent hosts example.com || echo no-resolver',
    });
    const v = r.outcome.violations.find((x) => x.host === '198.51.100.53');
    assert.equal(v?.kind, 'dns');
    assert.equal(v?.port, 53);
    assert.equal(v?.phase, 'setup');
    assert.match(r.stdout, /no-resolver/);
  });

  test('IPv6 attempts are refused and recorded the same way', async () => {
    const r = await build({
      files: { 'connect.py': connectProbe('2001:db8::7', 443) },
      build: 'python3 connect.py',
    });
    assertRefusedFast(r);
    const v = r.outcome.violations.find((x) => x.host === '2001:db8::7');
    assert.equal(v?.kind, 'network');
    assert.equal(v?.port, 443);
  });

  test("no IPv6 source the build picks makes the worker connect to the host's [::1]", async () => {
    let reached = 0;
    // The proxy's port, which a forward to the proxy matches, and one no rule names.
    const proxyPort = Number(GUEST_PROXY.split(':')[1]);
    const servers = [
      await listenLoopback6Fixed(proxyPort, () => reached++).catch((e: Error) => {
        throw new Error(`this test needs [::1]:${proxyPort} free on the host: ${e.message}`);
      }),
      await listenLoopback6(0, () => reached++),
    ];
    try {
      const ports = servers.map((s) => (s.address() as { port: number }).port);
      const r = await build({
        files: { 'probe.py': IPV6_SOURCE_PROBE },
        build: `python3 probe.py ${ports.join(' ')}; true`,
      });
      assert.match(r.stdout, /refused ::1/, r.stdout + r.stderr);
      // A worker's connection may land after the build ends; give it the time a slow host takes.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(reached, 0, `the host's [::1] listener was reached:\n${r.stdout}`);
      assert.doesNotMatch(r.stdout, /connected/, r.stdout);
    } finally {
      servers.forEach((s) => s.close());
    }
  });

  test('the proxy address reaches the egress port', async () => {
    const fetch = `import urllib.request; print(urllib.request.urlopen('http://example.invalid/x', timeout=10).read().decode())`;
    const r = await build({ files: { 'f.py': fetch }, build: 'python3 f.py' });
    assert.match(r.stdout, /egress-port/, r.stderr);
    assert.ok(r.egress.connections >= 1);
    assert.deepEqual(r.outcome.violations, []);
  });

  // Limits
  test("each phase's CPU time is recorded, a child's included", async () => {
    // A fixed amount of work, not a spin until a clock says a second: gVisor's clock counts time
    // its task was runnable, so under host load such a spin ended after 460 ms of real CPU. The
    // same work run here on the host says what it costs, measured in this run.
    const work =
      'n = 0\nfor i in range(8_000_000): n += i\nimport time\nprint(time.process_time())\n';
    const onHost = (): number =>
      Number(execFileSync('python3', ['-c', work]).toString().trim()) * 1000;
    const before = onHost();
    const r = await build({ files: { 'work.py': work }, build: 'python3 work.py' });
    const cpu = r.outcome.phases.at(-1)?.cpuMs ?? 0;
    // In a VM on a busy host, time the vCPU was stolen can count as CPU (966 ms for ~500 ms of
    // work was seen): the cheaper of two host runs, one each side of the build, is the yardstick.
    const native = Math.min(before, onHost());
    // Not to the tick: on gVisor's ptrace platform the host sees the build's CPU only in stub
    // processes, and some of the sentry's part of it is lost.
    assert.ok(
      cpu >= native / 2,
      `work that took ${Math.round(native)} ms of CPU on the host was recorded as ${cpu} ms`,
    );
  });

  test('wall time ends the job with wall named', async () => {
    // The sleep outlasts any test: only the limit can have ended the job.
    const r = await build({ limits: { wallMs: 1500 }, build: 'sleep 3600' });
    assert.equal(r.outcome.limit, 'wall');
    assert.equal(r.outcome.phases.at(-1)?.exitCode, null);
  });

  test('a wall limit that falls while the worker starts reports every phase as not run', async () => {
    const r = await build({ limits: { wallMs: 1 }, setup: 'true', build: 'sleep 3600' });
    assert.equal(r.outcome.limit, 'wall');
    assert.deepEqual(
      r.outcome.phases.map((p) => [p.name, p.exitCode]),
      [
        ['setup', null],
        ['build', null],
      ],
    );
  });

  test('a CPU spin ends the job with cpu named', async () => {
    const r = await build({ limits: { cpuMs: 1000 }, build: 'while :; do :; done' });
    assert.equal(r.outcome.limit, 'cpu');
  });

  test('a memory hog ends the job with memory named', async () => {
    const hog = 'a = []\nwhile True: a.append(b"x" * (8 << 20))\n';
    const r = await build({
      limits: { memoryBytes: 128 * 1024 ** 2 },
      files: { 'hog.py': hog },
      build: 'python3 hog.py',
    });
    assert.equal(r.outcome.limit, 'memory', r.stderr);
  });

  test('a fork bomb ends the job with processes named', async () => {
    const m = marker();
    // Every child keeps forking and retries on EAGAIN, so the bomb sits at the cap until it is ended.
    const bomb =
      'import os, time\nwhile True:\n  try: os.fork()\n  except OSError: time.sleep(0.01)\n';
    const r = await build({
      limits: { processes: 64 },
      files: { [`bomb-${m}.py`]: bomb },
      build: `python3 bomb-${m}.py`,
    });
    assert.equal(r.outcome.limit, 'processes');
    assert.deepEqual(processesMatching(`bomb-${m}`), []);
  });

  test('filling the disk ends the job with disk named', async () => {
    const r = await build({
      limits: { diskBytes: 32 * 1024 ** 2 },
      build:
        'dd if=/dev/zero of=/workspace/fill bs=1M count=200 2>/dev/null; dd if=/dev/zero of=/tmp/fill bs=1M count=200 2>/dev/null; sleep 3600',
    });
    // Nothing but a limit ends the sleep: disk, or the wall limit if the fill went unseen.
    assert.equal(r.outcome.limit, 'disk');
  });

  test('the disk limit holds for /workspace and /tmp together, not for each', async () => {
    // 20 MiB in each fits either alone under a 32 MiB limit; together they must not.
    const r = await build({
      limits: { diskBytes: 32 * 1024 ** 2 },
      build:
        'dd if=/dev/zero of=/workspace/half bs=1M count=20 2>/dev/null; dd if=/dev/zero of=/tmp/half bs=1M count=20 2>/dev/null; sleep 3600',
    });
    assert.equal(r.outcome.limit, 'disk');
  });

  test('a log flood ends the job with log named and no more than the limit kept', async () => {
    const r = await build({ limits: { logBytes: 64 * 1024 }, build: 'yes flood' });
    assert.equal(r.outcome.limit, 'log');
    assert.ok(r.stdout.length <= 64 * 1024);
  });

  // Issue 26, item 6: the final tar warned once per socket on the holder's stderr, which was logged
  // past the budget: 18 MB of log under a 1 MiB limit, and the job passed.
  test('a workspace full of sockets is packed without logging past the log limit', async () => {
    const sockets =
      'import socket\nfor i in range(3000):\n  socket.socket(socket.AF_UNIX).bind(f"/workspace/src/sock{i}")\n';
    const limit = 64 * 1024;
    const r = await build({
      limits: { logBytes: limit },
      files: { 'sockets.py': sockets },
      build: 'python3 sockets.py',
    });
    const logged = r.events.reduce((n, e) => n + (e.type === 'output' ? e.chunk.length : 0), 0);
    assert.ok(logged <= limit, `${logged} bytes logged under a log limit of ${limit}`);
    assert.equal(r.outcome.limit, undefined, r.stderr);
    assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, r.stderr);
    assert.equal(r.outcome.outputComplete, true);
  });

  // Issue 26, item 6: children the kernel reaps itself (SIGCHLD ignored) left no CPU time in any
  // parent's counters: 10 s burnt under a 3 s limit, and the job passed.
  test('children the kernel reaps itself count against the CPU limit', async () => {
    const reaped = `import os, signal, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
for i in range(10):
    pid = os.fork()
    if pid == 0:
        while time.process_time() < 1: pass
        os._exit(0)
    try: os.waitpid(pid, 0)
    except ChildProcessError: pass
print('burnt', flush=True)
`;
    const r = await build({
      limits: { cpuMs: 3000 },
      files: { 'reaped.py': reaped },
      build: 'python3 reaped.py',
    });
    assert.equal(r.outcome.limit, 'cpu', r.stdout + r.stderr);
  });

  // Issue 26, item 5: Unix socket buffers are memory no process's size shows: 2 GiB held under
  // 256 MiB, and the job passed. A worker must count them, or say plainly that it cannot.
  test('memory held in socket buffers counts against the memory limit, or the result says it cannot', async () => {
    const hold = `import resource, socket
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held, keep = 0, []
while held < 512 << 20:
    a, b = socket.socketpair()
    a.setblocking(False)
    keep.append((a, b))
    try:
        while True: held += a.send(b'x' * 65536)
    except BlockingIOError: pass
print('held', held >> 20, 'MiB', flush=True)
`;
    const r = await build({
      limits: { memoryBytes: 128 * 1024 ** 2 },
      files: { 'hold.py': hold },
      build: 'python3 hold.py',
    });
    if (r.outcome.unenforced?.some((u) => u.limit === 'memory')) return;
    assert.equal(r.outcome.limit, 'memory', r.stdout + r.stderr);
  });

  // A job replaced while its inputs were being made is cancelled before its worker listens: gvisor
  // and vm missed that abort and ran the build to its end (up to the wall limit).
  test('a job cancelled before its worker starts runs nothing', async () => {
    const m = marker();
    const abort = new AbortController();
    abort.abort();
    // The wall limit only bounds how long a worker that misses the cancel takes to fail.
    const r = await build({
      signal: abort.signal,
      limits: { wallMs: 120_000 },
      build: `echo started; sleep ${m}`,
    });
    assert.equal(r.outcome.cancelled, true);
    assert.doesNotMatch(r.stdout, /started/);
    assert.deepEqual(processesMatching(m), []);
  });

  test('cancelling ends the job and leaves nothing behind', async () => {
    const m = marker();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 500);
    const r = await build({ signal: abort.signal, build: `sleep ${m}` });
    // The sleep never ends by itself: the job returning at all is the cancel taking effect.
    assert.equal(r.outcome.cancelled, true);
    assert.deepEqual(processesMatching(m), []);
  });

  test('builds and tests a real project (zlib) offline, and returns its artifact', async () => {
    const { result, log, artifacts } = await buildProject(await makeDriver());
    assert.equal(result.status, 'passed', `${result.summary}\n${log.slice(-2000)}`);
    assert.match(log, /\*\*\* zlib test OK \*\*\*/, "zlib's own tests ran and passed");
    assert.deepEqual(
      result.artifacts.map((a) => a.path),
      ['libz.a'],
    );
    const lib = artifacts.get('libz.a');
    assert.equal(lib?.subarray(0, 8).toString('latin1'), '!<arch>\n', 'a static library came back');
    assert.equal(result.artifacts[0]?.size, lib?.length);
  });

  return test;
}
