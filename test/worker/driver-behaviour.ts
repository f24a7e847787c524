// Behaviour every stronger tier shows on this host: hello builds, scrubbed env, proxy only, limits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Test } from 'uvu';
import { ContractorError } from '../../src/errors.js';
import type { Driver } from '../../src/worker/driver.js';
import { runJob } from './job-harness.js';
import { runBuild } from './run-build.js';

const HELLO_C = readFileSync(new URL('../../../examples/hello/hello.c', import.meta.url), 'utf8');

export function driverBehaviour(test: Test, driver: () => Driver): void {
  test('builds examples/hello with gcc inside the worker, and its binary greets', async () => {
    const r = await runJob(
      driver(),
      [{ name: 'build', script: 'gcc hello.c -o hello\n./hello\n' }],
      {
        src: { 'hello.c': HELLO_C },
      },
    );
    assert.equal(r.outcome.phases[0]?.exitCode, 0, r.output.build);
    assert.match(r.output.build, /hello, world/);
    assert.ok(r.outcome.outputComplete);
    assert.ok(
      r.files.get('src/hello')?.startsWith('\x7fELF'),
      'the built binary comes back in the workspace tar',
    );
  });

  test('runs setup then build in /workspace/src, keeping what setup wrote', async () => {
    const r = await runJob(driver(), [
      { name: 'setup', script: 'pwd > where\necho made > made.txt' },
      { name: 'build', script: 'cat made.txt where' },
    ]);
    assert.deepEqual(
      r.outcome.phases.map((p) => p.exitCode),
      [0, 0],
    );
    assert.match(r.output.build, /made\n\/workspace\/src/);
  });

  test('a failing setup stops the job before build', async () => {
    const r = await runJob(driver(), [
      { name: 'setup', script: 'exit 7' },
      { name: 'build', script: 'echo never' },
    ]);
    assert.deepEqual(
      r.outcome.phases.map((p) => p.exitCode),
      [7],
    );
    assert.doesNotMatch(r.output.build, /never/);
  });

  test('the environment is scrubbed to the spec env, PATH, HOME, LANG and the proxy', async () => {
    process.env.CONTRACTOR_TEST_SECRET = 'leak-me';
    const r = await runJob(driver(), [{ name: 'build', script: 'env' }], { env: { FOO: 'bar' } });
    assert.match(r.output.build, /^FOO=bar$/m);
    assert.match(r.output.build, /^HTTPS_PROXY=http:\/\//m);
    assert.doesNotMatch(r.output.build, /leak-me|SSH_AUTH_SOCK|CONTRACTOR_TEST_SECRET/);
  });

  test('sees no host home, root or secrets, and cannot write the OS', async () => {
    const r = await runJob(driver(), [
      {
        name: 'build',
        script:
          'id -u\ntest ! -e /root/.ssh && echo no-root-ssh\ntest ! -e /home/* && echo no-home\n' +
          'touch /usr/x 2>/dev/null || echo usr-ro\ncat /etc/shadow 2>/dev/null | head -1 || true\necho end',
      },
    ]);
    assert.match(r.output.build, /^1000$/m);
    assert.match(r.output.build, /no-root-ssh/);
    assert.match(r.output.build, /usr-ro/);
    assert.doesNotMatch(r.output.build, /^root:/m);
  });

  test('reaches the proxy through HTTP_PROXY, and a direct connect is recorded with its destination', async () => {
    const r = await runJob(driver(), [
      {
        name: 'build',
        script:
          'curl -sS -m 20 http://allowed.example/ok\n' +
          'python3 -c "import socket; s=socket.socket(); s.settimeout(3); print(s.connect_ex((\'192.0.2.7\', 8080)))"',
      },
    ]);
    assert.match(r.output.build, /GET http:\/\/allowed.example\/ok/);
    assert.ok(r.proxied.some((l) => l.includes('allowed.example')));
    const v = r.outcome.violations.find((x) => x.host === '192.0.2.7');
    assert.ok(v, JSON.stringify(r.outcome.violations));
    assert.equal(v.port, 8080);
    assert.equal(v.kind, 'network');
  });

  test('a DNS query straight to a resolver is recorded as a dns violation', async () => {
    const r = await runJob(driver(), [
      {
        name: 'build',
        script:
          'python3 -c "import socket; u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(bytes(12), (\'198.51.100.53\', 53))" || true',
      },
    ]);
    assert.ok(r.outcome.violations.some((v) => v.kind === 'dns' && v.host === '198.51.100.53'));
  });

  test('the wall limit ends a build that sleeps past it', async () => {
    const r = await runJob(driver(), [{ name: 'build', script: 'sleep 600' }], {
      limits: { wallMs: 25_000 },
    });
    assert.equal(r.outcome.limit, 'wall');
    assert.equal(r.outcome.phases[0]?.exitCode ?? null, null);
  });

  test('the log limit ends a build that floods its output', async () => {
    const r = await runJob(driver(), [{ name: 'build', script: 'yes flood' }], {
      limits: { logBytes: 64 * 1024 },
    });
    assert.equal(r.outcome.limit, 'log');
    assert.ok(r.output.build.length <= 64 * 1024);
  });

  test('a fork bomb hits the process cap, not the host', async () => {
    const r = await runJob(
      driver(),
      [
        {
          name: 'build',
          script: 'i=0; while [ $i -lt 100 ]; do sleep 20 & i=$((i+1)); done; echo all-100-started',
        },
      ],
      { limits: { processes: 50 } },
    );
    assert.doesNotMatch(r.output.build, /all-100-started/);
    assert.notEqual(r.outcome.phases[0]?.exitCode, 0);
  });
}

/**
 * A tier that unpacks the input with tar in its sandbox (namespace, gvisor) stops the job with tar's
 * word before any phase runs; the vm tier says it from the guest, in its own words.
 */
export async function brokenInputStopsBuild(driver: Driver): Promise<void> {
  let output = '';
  const err = await runBuild(driver, {
    build: 'echo BUILD-RAN',
    rawInput: Buffer.alloc(10240, 'A'),
    onEvent: (e) => void (e.type === 'output' && (output += e.chunk.toString())),
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ContractorError, String(err));
  assert.match(err.message, /unpacking the workspace failed/);
  assert.doesNotMatch(output, /BUILD-RAN/);
}
