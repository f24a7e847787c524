// Builds that attack the worker: each must fail to reach the host, whichever driver runs it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { suite } from 'uvu';
import { processesMatching } from '../helpers/processes.js';
import { hostSentinel, marker, type DriverFactory } from './conformance.js';
import { chainBuild } from '../helpers/link-chain.js';
import { runBuild, type BuildRequest } from './run-build.js';

function shadowDigest(): string | undefined {
  try {
    return createHash('sha256').update(readFileSync('/etc/shadow')).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * hostEtc: the build's /etc is made of the host's files (namespace, gvisor), not an image's (vm).
 * ownDevices: the sandbox's own kernel lets a build make device nodes, which reach no device of the
 * host (gVisor's sentry since about 2024: Debian 13's runsc); elsewhere mknod itself must fail.
 */
export function hostileBuildSuite(
  name: string,
  makeDriver: DriverFactory,
  { hostEtc = true, ownDevices = false }: { hostEtc?: boolean; ownDevices?: boolean } = {},
) {
  const test = suite(`${name} hostile builds`);
  const build = async (req: BuildRequest) => runBuild(await makeDriver(), req);

  if (hostEtc && existsSync('/etc/ssl/private'))
    test("sees the host's CA certificates but not its TLS private key directory", async () => {
      const r = await build({
        build: [
          'test -s /etc/ssl/certs/ca-certificates.crt && echo CA-READABLE',
          'ls -d /etc/ssl/private 2>/dev/null && echo KEYS-VISIBLE',
          'true',
        ].join('\n'),
      });
      if (existsSync('/etc/ssl/certs/ca-certificates.crt'))
        assert.match(r.stdout, /CA-READABLE/, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /KEYS-VISIBLE/);
    });

  test('cannot read host secrets from files, the environment or /proc', async () => {
    const secret = `hostsecret${marker()}`;
    const dir = mkdtempSync(`${tmpdir()}/contractor-secret-`);
    writeFileSync(`${dir}/token`, secret);
    process.env.CONTRACTOR_HOSTILE_SECRET = secret;
    // The value is split so the script itself does not carry it.
    const half = secret.length >> 1;
    const r = await build({
      build: [
        `P='${secret.slice(0, half)}'; P="$P${secret.slice(half)}"`,
        `cat ${dir}/token 2>/dev/null`,
        'grep -rsl "$P" /etc /tmp /workspace /proc/[0-9]*/environ /dev/shm 2>/dev/null && echo FOUND',
        'cat /proc/1/environ 2>/dev/null | tr "\\0" "\\n"',
        'true',
      ].join('\n'),
    });
    delete process.env.CONTRACTOR_HOSTILE_SECRET;
    rmSync(dir, { recursive: true, force: true });
    assert.ok(!r.stdout.includes(secret), r.stdout);
    assert.doesNotMatch(r.stdout, /FOUND/);
  });

  test('cannot write outside the workspace', async () => {
    const dir = mkdtempSync(`${tmpdir()}/contractor-target-`);
    const targets = [
      '/usr/pwned',
      '/etc/pwned',
      '/pwned',
      `${dir}/pwned`,
      '/proc/sys/kernel/hostname',
      '/sys/pwned',
      '/workspace/../pwned',
    ];
    const r = await build({
      build: `for p in ${targets.join(' ')}; do (echo pwned > $p) 2>/dev/null && echo "WROTE $p"; done; true`,
    });
    assert.doesNotMatch(r.stdout, /WROTE/);
    assert.equal(existsSync(`${dir}/pwned`), false);
    rmSync(dir, { recursive: true, force: true });
  });

  test('kill -9 -1 inside does not touch the host', async () => {
    const host = hostSentinel();
    try {
      const r = await build({
        build: `kill -9 -1; kill -9 ${host.pid}; pkill -9 sleep; pkill -9 node; echo still-here`,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(host.alive(), true);
      assert.equal(r.outcome.limit, undefined);
    } finally {
      host.stop();
    }
  });

  test('a double-forked daemon is gone when the job ends', async () => {
    const m = marker();
    await build({
      build: `(setsid sh -c 'trap "" HUP TERM; while :; do sleep ${m}; done' </dev/null >/dev/null 2>&1 &) ; true`,
    });
    assert.deepEqual(processesMatching(m), []);
  });

  test('a fork bomb, a memory hog, a disk fill and a CPU spin leave the host unharmed', async () => {
    const host = hostSentinel();
    const r = await build({
      limits: {
        processes: 128,
        memoryBytes: 256 * 1024 ** 2,
        diskBytes: 32 * 1024 ** 2,
        cpuMs: 4000,
        wallMs: 600_000,
      },
      files: { 'hog.py': 'a = []\nwhile True: a.append(b"x" * (8 << 20))\n' },
      build: [
        'python3 hog.py 2>/dev/null &',
        'dd if=/dev/zero of=/workspace/fill bs=1M count=500 2>/dev/null &',
        'while :; do :; done &',
        'b() { b | b & }; b 2>/dev/null',
        'sleep 3600',
      ].join('\n'),
    });
    const survived = host.alive();
    host.stop();
    // One of the four limits ended it, long before the wall limit could.
    assert.ok(r.outcome.limit && r.outcome.limit !== 'wall', `ended by ${r.outcome.limit}`);
    // The host's own processes were not killed (by the OOM killer, or by the build).
    assert.ok(survived, 'a host process died while the build ran');
  });

  test('a log flood on both streams is cut at the limit', async () => {
    const r = await build({ limits: { logBytes: 100_000 }, build: 'yes out & yes err >&2' });
    assert.equal(r.outcome.limit, 'log');
    assert.ok(r.stdout.length + r.stderr.length <= 100_000);
  });

  test(`no /dev/kvm, no disks, and ${ownDevices ? 'a device node made opens no device' : 'mknod fails'}`, async () => {
    const r = await build({
      build: [
        'ls /dev',
        'for d in /dev/kvm /dev/sda /dev/vda /dev/nvme0n1 /dev/mem /dev/port; do test -e $d && echo "SEES $d"; done',
        // /dev/mem, /dev/kvm and the first disk, by number: made where a node can be, then opened.
        'for n in "c 1 1" "c 10 232" "b 8 0"; do set -- $n; p=/tmp/dev-$1-$2-$3',
        '  mknod $p $1 $2 $3 2>/dev/null || continue; echo "MKNOD-OK $n"',
        '  head -c 1 $p > /dev/null 2>&1 && echo "OPENED $n"',
        'done',
        'mknod /workspace/n c 1 3 2>/dev/null && echo "MKNOD-OK c 1 3"',
        'true',
      ].join('\n'),
    });
    assert.doesNotMatch(r.stdout, /SEES|OPENED/);
    if (!ownDevices) assert.doesNotMatch(r.stdout, /MKNOD-OK/);
  });

  test('a workspace symlink to /etc/shadow stays a symlink and shows only the sandbox', async () => {
    const before = shadowDigest();
    const r = await build({
      files: { 'shadow-link': '->/etc/shadow' },
      build:
        'readlink shadow-link; cat shadow-link 2>/dev/null && echo READ-SHADOW; (echo pwned >> shadow-link) 2>/dev/null && echo WROTE-SHADOW; true',
    });
    assert.match(r.stdout, /^\/etc\/shadow$/m);
    assert.doesNotMatch(r.stdout, /READ-SHADOW|WROTE-SHADOW|root:/);
    assert.match(r.outputListing, /^l.*src\/shadow-link -> \/etc\/shadow$/m);
    assert.equal(shadowDigest(), before);
  });

  // The build's links cross as text in the output tar; only the host's unpacking resolves them.
  test('a chain of links whose texts stay inside, and a hard link out, reach no host file', async () => {
    const host = mkdtempSync(`${tmpdir()}/contractor-host-secret-`);
    writeFileSync(`${host}/token`, 'host secret');
    const r = await build({
      unpackOutput: true,
      build: `ln /etc/hostname /workspace/hard 2>/dev/null || true\n${chainBuild(host)}`,
    }).finally(() => rmSync(host, { recursive: true, force: true }));
    assert.ok(r.unpacked, r.stdout + r.stderr);
    assert.deepEqual(r.unpacked.linksOut, []);
    const dropped = r.unpacked.dropped.map((v) => `${v.kind} ${v.detail.split(':')[0]}`);
    assert.deepEqual(dropped.sort(), ['output cache', 'output src']);
  });

  return test;
}
