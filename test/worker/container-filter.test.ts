// The container filter between a real docker CLI and a real Podman service: what a build needs
// works, and each way out of a container's walls is refused by name and recorded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import type { Violation } from '../../src/net/violation.js';
import { ContainerFilter } from '../../src/worker/containers/container-filter.js';
import { engineCall } from '../../src/worker/containers/engine-client.js';
import { startPodman, type TestPodman } from '../helpers/podman-service.js';
import { tempDir } from '../helpers/tmp.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let engine: TestPodman;
let filter: ContainerFilter;
let filterSocket: string;
let workspace: string;
let home: { path: string; remove: () => void };
const violations: Violation[] = [];

/** The real docker CLI (async: the filter answers it from this same process). */
function docker(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home.path,
        DOCKER_CONFIG: join(home.path, '.docker'),
        DOCKER_HOST: `unix://${filterSocket}`,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const IMAGE = 'contractor-test/busybox:1';

test.before(async () => {
  home = tempDir('contractor-docker-home-');
  workspace = join(home.path, 'workspace');
  mkdirSync(join(workspace, 'data'), { recursive: true });
  writeFileSync(join(workspace, 'data', 'note'), 'from the workspace\n');
  symlinkSync('/', join(workspace, 'root-link'));
  const context = join(home.path, 'context');
  mkdirSync(context);
  // A static busybox: an image FROM scratch needs no registry.
  copyFileSync('/bin/busybox', join(context, 'busybox'));
  writeFileSync(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "echo", "hello from scratch"]\n',
  );
  engine = await startPodman();
  filterSocket = join(home.path, 'docker.sock');
  filter = new ContainerFilter({
    engineSocket: engine.socket,
    workspace,
    phase: () => 'build',
    onViolation: (v) => violations.push(v),
  });
  await filter.listen(filterSocket);
  const built = await docker(['build', '-t', IMAGE, context]);
  assert.equal(built.code, 0, `docker build through the filter failed: ${built.stderr}`);
});

test.after(async () => {
  await filter?.close();
  await engine?.stop();
  home?.remove();
});

/** Runs docker, expects it refused naming `field`, and each refused call recorded as a container violation. */
async function assertRefused(args: string[], field: string): Promise<void> {
  const before = violations.length;
  const r = await docker(args);
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} was not refused: ${r.stdout}`);
  assert.match(r.stderr, new RegExp(`contractor refused ${field}`), r.stderr);
  // The CLI may make more than one call for a command (network rm inspects first): each is recorded.
  const recorded = violations.slice(before);
  assert.ok(recorded.length >= 1, 'the refusal is recorded');
  for (const v of recorded) {
    assert.equal(v.kind, 'container');
    assert.equal(v.phase, 'build');
    assert.match(v.detail, new RegExp(field));
  }
}

test('docker build FROM scratch and docker run of the image work through the filter', async () => {
  const r = await docker(['run', '--rm', IMAGE]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello from scratch\n');
  assert.equal(violations.length, 0, JSON.stringify(violations));
});

test('stdin reaches an attached container and its end closes the stream (hijack both ways)', async () => {
  const r = await docker(
    ['run', '-i', '--rm', IMAGE, '/bin/busybox', 'tr', 'a-z', 'A-Z'],
    'piped in\n',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'PIPED IN\n');
});

test('a detached container can be waited for, its logs read, inspected and removed', async () => {
  const name = 'own-detached';
  const started = await docker([
    'run',
    '-d',
    '--name',
    name,
    IMAGE,
    '/bin/busybox',
    'sh',
    '-c',
    'echo out; echo err >&2; exit 3',
  ]);
  assert.equal(started.code, 0, started.stderr);
  const waited = await docker(['wait', name]);
  assert.equal(waited.stdout.trim(), '3', waited.stderr);
  const logs = await docker(['logs', name]);
  assert.equal(logs.stdout, 'out\n');
  assert.equal(logs.stderr, 'err\n');
  const inspect = await docker(['inspect', '--format', '{{.State.ExitCode}}', name]);
  assert.equal(inspect.stdout.trim(), '3', inspect.stderr);
  assert.equal((await docker(['rm', name])).code, 0);
});

test('the job’s image is inspected, tagged, listed and removed by name', async () => {
  const inspect = await docker(['image', 'inspect', '--format', '{{.Id}}', IMAGE]);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal((await docker(['tag', IMAGE, 'contractor-test/copy:2'])).code, 0);
  const listed = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.match(listed.stdout, /contractor-test\/copy:2/, listed.stderr);
  const removed = await docker(['rmi', 'contractor-test/copy:2']);
  assert.equal(removed.code, 0, removed.stderr);
});

test('a command runs in the job’s container with docker exec, stdin included; privileged exec is refused', async () => {
  const name = 'own-exec';
  const started = await docker(['run', '-d', '--name', name, IMAGE, '/bin/busybox', 'sleep', '60']);
  assert.equal(started.code, 0, started.stderr);
  try {
    const hi = await docker(['exec', name, '/bin/busybox', 'echo', 'from exec']);
    assert.equal(hi.code, 0, hi.stderr);
    assert.equal(hi.stdout, 'from exec\n');
    const piped = await docker(
      ['exec', '-i', name, '/bin/busybox', 'tr', 'a-z', 'A-Z'],
      'through exec\n',
    );
    assert.equal(piped.stdout, 'THROUGH EXEC\n', piped.stderr);
    const failed = await docker(['exec', name, '/bin/busybox', 'sh', '-c', 'exit 7']);
    assert.equal(failed.code, 7, 'the exec’s exit code comes back through exec inspect');
    await assertRefused(['exec', '--privileged', name, '/bin/busybox', 'true'], 'Exec.Privileged');
  } finally {
    await docker(['rm', '-f', name]);
  }
});

test('a bind of a directory in the workspace is passed, read-only if asked', async () => {
  const r = await docker([
    'run',
    '--rm',
    '-v',
    `${workspace}/data:/data:ro`,
    IMAGE,
    '/bin/busybox',
    'cat',
    '/data/note',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from the workspace\n');
});

test('the privileged flag is refused', () =>
  assertRefused(['run', '--rm', '--privileged', IMAGE], 'HostConfig.Privileged'));

test('an added capability is refused', () =>
  assertRefused(['run', '--rm', '--cap-add', 'SYS_ADMIN', IMAGE], 'HostConfig.CapAdd'));

test('a host device is refused', () =>
  assertRefused(['run', '--rm', '--device', '/dev/null:/dev/x', IMAGE], 'HostConfig.Devices'));

test('the host network is refused', () =>
  assertRefused(['run', '--rm', '--network', 'host', IMAGE], 'HostConfig.NetworkMode host'));

test('the host PID, IPC and UTS namespaces are refused', async () => {
  await assertRefused(['run', '--rm', '--pid', 'host', IMAGE], 'HostConfig.PidMode host');
  await assertRefused(['run', '--rm', '--ipc', 'host', IMAGE], 'HostConfig.IpcMode host');
  await assertRefused(['run', '--rm', '--uts', 'host', IMAGE], 'HostConfig.UTSMode host');
});

test('a bind of the host root is refused', () =>
  assertRefused(['run', '--rm', '-v', '/:/host', IMAGE], 'HostConfig.Binds /:/host'));

test('a bind through a link in the workspace that leads to / is refused (resolved, not read)', () =>
  assertRefused(
    ['run', '--rm', '-v', `${workspace}/root-link:/host`, IMAGE],
    `HostConfig.Binds ${workspace}/root-link:/host`,
  ));

test('a --mount bind of a path outside the workspace is refused', () =>
  assertRefused(
    ['run', '--rm', '--mount', 'type=bind,source=/etc,target=/etc2', IMAGE],
    'HostConfig.Mounts /etc:/etc2',
  ));

test('security options that lower confinement are refused', async () => {
  await assertRefused(
    ['run', '--rm', '--security-opt', 'seccomp=unconfined', IMAGE],
    'HostConfig.SecurityOpt seccomp=unconfined',
  );
  await assertRefused(
    ['run', '--rm', '--security-opt', 'apparmor=unconfined', IMAGE],
    'HostConfig.SecurityOpt apparmor=unconfined',
  );
  await assertRefused(
    ['run', '--rm', '--security-opt', 'label=disable', IMAGE],
    'HostConfig.SecurityOpt label=disable',
  );
  await assertRefused(
    ['run', '--rm', '--security-opt', 'systempaths=unconfined', IMAGE],
    'HostConfig.MaskedPaths',
  );
});

test('sysctls are refused', () =>
  assertRefused(['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', IMAGE], 'HostConfig.Sysctls'));

test('a volume whose driver options bind a host path is refused', () =>
  assertRefused(
    ['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/', 'v-root'],
    'Volume.DriverOpts',
  ));

test('a container someone else made on the engine is neither listed nor touched', async () => {
  const foreign = engine
    .podman(['create', '--name', 'someone-elses', '--network', 'none', IMAGE])
    .trim();
  const listed = await docker(['ps', '-a', '--format', '{{.ID}} {{.Names}}']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /someone-elses/);
  assert.doesNotMatch(listed.stdout, new RegExp(foreign.slice(0, 12)));
  await assertRefused(
    ['inspect', '--type', 'container', 'someone-elses'],
    'container someone-elses',
  );
  await assertRefused(['logs', foreign.slice(0, 12)], `container ${foreign.slice(0, 12)}`);
  await assertRefused(['start', foreign], `container ${foreign}`);
  await assertRefused(['exec', 'someone-elses', '/bin/busybox', 'true'], 'container someone-elses');
  await assertRefused(['rm', '-f', 'someone-elses'], 'container someone-elses');
  const still = await engineCall(engine.socket, 'GET', `/containers/${foreign}/json`);
  assert.equal(still.status, 200, 'the foreign container is still there');
});

test('an image named by an id the job did not make is refused', async () => {
  engine.podman(['tag', IMAGE, 'someone/else:1']);
  const id = engine.podman(['image', 'inspect', '--format', '{{.Id}}', 'someone/else:1']).trim();
  // The job's own build made this same id, so make a foreign one: a second image from scratch.
  const other = engine
    .podman([
      'commit',
      '--quiet',
      engine.podman(['create', '--network', 'none', IMAGE]).trim(),
      'someone/other:1',
    ])
    .trim();
  assert.notEqual(other.replace(/^sha256:/, ''), id.replace(/^sha256:/, ''));
  await assertRefused(['run', '--rm', other.replace(/^sha256:/, '')], 'Image');
});

test('a build asking for the host network is refused', () =>
  assertRefused(
    ['build', '--network', 'host', '-t', 'never/built:1', join(home.path, 'context')],
    'HostConfig.NetworkMode host',
  ));

test('the job’s own volume is used; someone else’s named volume is refused', async () => {
  assert.equal((await docker(['volume', 'create', 'own-cache'])).code, 0);
  const r = await docker([
    'run',
    '--rm',
    '-v',
    'own-cache:/cache',
    IMAGE,
    '/bin/busybox',
    'sh',
    '-c',
    'echo kept > /cache/f && cat /cache/f',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'kept\n');
  engine.podman(['volume', 'create', 'someone-elses-volume']);
  await assertRefused(
    ['run', '--rm', '-v', 'someone-elses-volume:/x', IMAGE],
    'volume someone-elses-volume',
  );
  await assertRefused(['volume', 'rm', 'someone-elses-volume'], 'volume someone-elses-volume');
  const volumes = await docker(['volume', 'ls', '--format', '{{.Name}}']);
  assert.equal(volumes.stdout, 'own-cache\n', volumes.stderr);
});

test('the job’s own network is made and removed; someone else’s is refused', async () => {
  assert.equal((await docker(['network', 'create', 'own-net'])).code, 0);
  const inspect = await docker(['network', 'inspect', '--format', '{{.Name}}', 'own-net']);
  assert.equal(inspect.stdout.trim(), 'own-net', inspect.stderr);
  engine.podman(['network', 'create', 'someone-elses-net']);
  await assertRefused(
    ['run', '--rm', '--network', 'someone-elses-net', IMAGE],
    'HostConfig.NetworkMode someone-elses-net',
  );
  await assertRefused(['network', 'rm', 'someone-elses-net'], 'network someone-elses-net');
  await assertRefused(
    ['network', 'create', '-o', 'com.docker.network.bridge.name=eth0', 'bad-net'],
    'Network.Options',
  );
  assert.equal((await docker(['network', 'rm', 'own-net'])).code, 0);
});

test('a name the engine does not have is a plain missing object, not a violation', async () => {
  const before = violations.length;
  const r = await docker(['rm', 'never-made']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /No such container/i);
  assert.equal(violations.length, before);
});

test('an API call a build does not need is refused by path', () =>
  assertRefused(['system', 'df'], 'GET /system/df'));

test.run();
