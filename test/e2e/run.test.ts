// `git contractor run` end to end: real repositories, the real namespace driver and egress proxy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { test } from 'uvu';
import { loadSchema } from '../../src/spec/schema.js';
import { contractor } from '../helpers/cli.js';
import { makeRepo, specRepos, type TestRepo } from '../helpers/git-repo.js';
import { chainBuild } from '../helpers/link-chain.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO_C = '#include <stdio.h>\nint main(void) { printf("hello, world\\n"); return 0; }\n';
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats.default(ajv);
const validateResult = ajv.compile(loadSchema('result.schema.json'));

let home: ReturnType<typeof tempDir>;
let server: Server;
let port = 0;
const repos = specRepos();
const repoWith = repos.make;

test.before(async () => {
  home = tempDir('contractor-home-');
  server = createServer((req, res) => res.end(`allowed host says hi to ${req.url}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

test.after(async () => {
  await new Promise((resolve) => server.close(resolve));
  home.remove();
  repos.removeAll();
});

function policy(text: string): Record<string, string> {
  const dir = join(home.path, `p${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'policy.yaml'), text);
  return { CONTRACTOR_HOME: dir };
}

async function runJson(repo: TestRepo, args: string[] = [], env: Record<string, string> = {}) {
  const r = await contractor(repo.path, ['run', '--json', ...args], {
    CONTRACTOR_HOME: home.path,
    ...env,
  });
  let doc: Record<string, unknown> | undefined;
  try {
    doc = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    assert.fail(`no JSON on stdout (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, doc: doc as Record<string, any> };
}

test('builds hello in the namespace driver, collects the artifact with its digest, records a note', async () => {
  const repo = repoWith('build: |\n  gcc hello.c -o hello\n  ./hello\nartifacts: [hello]\n', {
    'hello.c': HELLO_C,
  });
  const r = await runJson(repo);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(validateResult(r.doc), JSON.stringify(validateResult.errors));
  assert.equal(r.doc.status, 'passed');
  assert.equal(r.doc.commit, repo.git('rev-parse', 'HEAD'));
  const artifact = r.doc.artifacts[0];
  const bytes = readFileSync(join(r.doc.outDir, 'artifacts', 'hello'));
  assert.equal(artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.match(readFileSync(r.doc.log, 'utf8'), /hello, world/);
  assert.match(repo.git('notes', '--ref=contractor', 'show', 'HEAD'), /"status":"passed"/);
});

test('a user git knows no name for still gets the note, written as Contractor', async () => {
  const repo = repoWith('build: |\n  true\n');
  // No identity anywhere git looks, and no guessing one from the host name.
  repo.git('config', 'user.useConfigOnly', 'true');
  const empty = tempDir('contractor-no-identity-');
  try {
    const r = await runJson(repo, [], {
      HOME: empty.path,
      XDG_CONFIG_HOME: empty.path,
      GIT_CONFIG_NOSYSTEM: '1',
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.doc.status, 'passed');
    assert.match(repo.git('notes', '--ref=contractor', 'show', 'HEAD'), /"status":"passed"/);
    assert.equal(repo.git('log', '-1', '--format=%an', 'refs/notes/contractor'), 'Contractor');
  } finally {
    empty.remove();
  }
});

test('a note git cannot write is named, and the build still passes', async () => {
  const repo = repoWith('build: |\n  true\n');
  // Another git holding the notes ref's lock.
  mkdirSync(join(repo.path, '.git/refs/notes'), { recursive: true });
  writeFileSync(join(repo.path, '.git/refs/notes/contractor.lock'), '');
  const r = await contractor(repo.path, ['run', '--no-cache'], { CONTRACTOR_HOME: home.path });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /passed/);
  assert.match(
    r.stdout + r.stderr,
    /the result was not recorded as a git note on [0-9a-f]{12}: .*contractor\.lock/,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /internal error/);
});

test("the live log shows a hostile build's terminal sequences as text; log.txt keeps them", async () => {
  const repo = repoWith("build: |\n  printf '\\033]0;PWNED\\007\\033[31mred\\033[0m\\033[6n\\n'\n");
  const out = join(home.path, `o${Math.random().toString(36).slice(2)}`);
  const r = await contractor(repo.path, ['run', '--no-cache', '--out', out], {
    CONTRACTOR_HOME: home.path,
  });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.ok(r.stdout.includes('^[]0;PWNED^G\x1b[31mred\x1b[0m^[[6n'), JSON.stringify(r.stdout));
  assert.doesNotMatch(r.stdout + r.stderr, /\x1b\]|\x1b\[6n|\x07/);
  assert.ok(
    readFileSync(join(out, 'log.txt'), 'utf8').includes('\x1b]0;PWNED\x07\x1b[31mred'),
    'the log file keeps what the build wrote',
  );
});

test('a flood of refused requests is counted whole but kept to the first 1000', async () => {
  // Before the cap, 139,000 refusals in 20 s made a 68 MB result.json and crashed the summary.
  const flood = [
    'import socket',
    'for n in range(1500):',
    "    s = socket.create_connection(('127.0.0.1', 3128))",
    "    s.sendall(b'CONNECT denied%d.invalid:443 HTTP/1.1\\r\\n\\r\\n' % n)",
    '    s.recv(4096)',
    '    s.close()',
  ].join('\n');
  const repo = repoWith('build: python3 flood.py\n', { 'flood.py': `${flood}\n` });
  const r = await runJson(repo, ['--no-cache']);
  assert.equal(r.exitCode, 3, r.stderr);
  assert.ok(validateResult(r.doc), JSON.stringify(validateResult.errors));
  assert.equal(r.doc.violations.length, 1000);
  assert.deepEqual(r.doc.omitted, { violations: 500, network: 0 });
  assert.equal(r.doc.network.length, 1500);
  assert.equal(r.doc.summary, '1500 violation(s) of the policy');
  assert.match(repo.git('notes', '--ref=contractor', 'show', 'HEAD'), /"violations":1500/);
  // The terminal summary shows a screenful and says how many more there were.
  const shown = await contractor(repo.path, ['run', '--no-cache', '--quiet'], {
    CONTRACTOR_HOME: home.path,
  });
  assert.equal(shown.exitCode, 3, shown.stderr);
  assert.match(shown.stdout, /… and 1480 more \(the first 1000 are in result\.json\)/);
  assert.doesNotMatch(shown.stdout + shown.stderr, /internal error/);
});

test('a build holding hundreds of proxy connections gets 256, and the rest closed', async () => {
  const hold = [
    'import socket, time',
    "held = [socket.create_connection(('127.0.0.1', 3128)) for _ in range(300)]",
    'time.sleep(1)',
    'closed = 0',
    'for s in held:',
    '    s.setblocking(False)',
    '    try:',
    "        closed += s.recv(1) == b''",
    '    except (BlockingIOError, ConnectionResetError) as e:',
    '        closed += isinstance(e, ConnectionResetError)',
    "print('closed', closed)",
  ].join('\n');
  const repo = repoWith('build: python3 hold.py\n', { 'hold.py': `${hold}\n` });
  const r = await runJson(repo, ['--no-cache']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(readFileSync(r.doc.log, 'utf8'), /^closed 44$/m);
  const crowded = r.doc.network.filter((n: { host: string }) => n.host === '');
  assert.equal(crowded.length, 1);
  assert.match(crowded[0].reason, /more than 256 connections open to the proxy at once/);
});

test('a failing build exits 1 with status failed', async () => {
  const repo = repoWith('build: exit 7\n');
  const r = await runJson(repo);
  assert.equal(r.exitCode, 1);
  assert.equal(r.doc.status, 'failed');
  assert.match(r.doc.summary, /build exited with 7/);
});

test('a build leaving more than 10000 artifacts fails at once, collecting none, the workspace not saved', async () => {
  // 10001 empty files cost the build a second; collecting each would cost the manager ~0.7 ms and
  // ~9 KiB, and nothing stops a build making a million.
  const make = 'mkdir -p out && cd out && seq 1 10001 | xargs touch';
  const bare = repoWith(`build: ${make}\nartifacts: ["out/*"]\n`);
  const r = await runJson(bare);
  assert.equal(r.exitCode, 1, r.stderr);
  assert.equal(r.doc.status, 'failed');
  assert.equal(
    r.doc.summary,
    'the artifact patterns (out/*) matched more than 10000 entries; none was collected',
  );
  assert.deepEqual(r.doc.artifacts, []);
  assert.ok(validateResult(r.doc), JSON.stringify(validateResult.errors));
  const artifactsDir = join(r.doc.outDir as string, 'artifacts');
  assert.ok(!existsSync(artifactsDir) || readdirSync(artifactsDir).length === 0);
  // With a workspace the whole output comes back; the artifacts are not taken, and a failed
  // run's workspace is not saved.
  const cached = repoWith(`workspace: ws\nbuild: ${make}\nartifacts: ["out/*"]\n`);
  cached.git('config', 'contractor.workspace', 'ws');
  const w = await runJson(cached);
  assert.equal(w.doc.status, 'failed');
  assert.match(w.doc.summary, /matched more than 10000 entries/);
  assert.equal(existsSync(join(cached.path, 'ws')), false);
});

test('a direct connection attempt fails the build as a violation naming the destination', async () => {
  const repo = repoWith(
    "build: |\n  python3 -c \"import socket; s=socket.socket(); s.settimeout(2)\n  try: s.connect(('192.0.2.7', 4444))\n  except OSError as e: print('blocked', e)\"\n",
  );
  const r = await runJson(repo);
  assert.equal(r.exitCode, 3, r.stderr);
  assert.equal(r.doc.status, 'violation');
  const v = r.doc.violations.find((x: { host?: string }) => x.host === '192.0.2.7');
  assert.ok(v, JSON.stringify(r.doc.violations));
  assert.equal(v.port, 4444);
  assert.equal(v.phase, 'build');
});

test('--audit reports the violation without failing', async () => {
  const repo = repoWith(
    'build: python3 -c "import socket; socket.socket().connect_ex((\'192.0.2.8\', 53))"\n',
  );
  const r = await runJson(repo, ['--audit']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(r.doc.violations.length >= 1);
});

test('setup reaches an allowed host through the proxy; the build phase cannot', async () => {
  // NO_PROXY keeps the build's own loopback direct, so this build clears it: the host's
  // 127.0.0.1 is reachable only through the proxy, and only because the policy lists the address.
  const fetch = (tag: string) =>
    `env no_proxy= NO_PROXY= python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:${port}/${tag}', timeout=5).read().decode())"`;
  const repo = repoWith(
    `setup: ${JSON.stringify(fetch('setup'))}\nbuild: ${JSON.stringify(fetch('build'))}\nnetwork:\n  allow: ["127.0.0.1:${port}"]\n`,
  );
  const r = await runJson(repo, [], policy(`network:\n  allow: ["127.0.0.1:${port}"]\n`));
  assert.match(readFileSync(r.doc.log, 'utf8'), /allowed host says hi to \/setup/);
  assert.doesNotMatch(readFileSync(r.doc.log, 'utf8'), /hi to \/build/);
  assert.equal(r.doc.status, 'violation');
  assert.ok(
    r.doc.violations.some(
      (v: { phase: string; kind: string }) => v.phase === 'build' && v.kind === 'network',
    ),
  );
  assert.ok(
    r.doc.network.some(
      (n: { decision: string; phase: string }) => n.decision === 'allow' && n.phase === 'setup',
    ),
  );
});

test('a spec asking for a host the trusted policy does not allow is refused before anything runs', async () => {
  const repo = repoWith('build: "true"\nnetwork:\n  allow: [evil.example]\n');
  const r = await contractor(repo.path, ['run'], { CONTRACTOR_HOME: home.path });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /evil\.example/);
});

test('the workspace is restored before and saved after, as a cache between builds', async () => {
  const repo = repoWith(
    'workspace: ws\nbuild: |\n  n=$(cat ../count 2>/dev/null || echo 0)\n  echo $((n+1)) > ../count\n  [ -e ../kept ] || echo once > ../kept\n',
  );
  repo.git('config', 'contractor.workspace', 'ws');
  writeFileSync(join(repo.path, '.gitignore'), 'ws/\n');
  await contractor(repo.path, ['run', '--no-cache'], { CONTRACTOR_HOME: home.path });
  const kept = lstatSync(join(repo.path, 'ws/kept')).ino;
  await contractor(repo.path, ['run', '--no-cache'], { CONTRACTOR_HOME: home.path });
  assert.equal(readFileSync(join(repo.path, 'ws/count'), 'utf8').trim(), '2');
  assert.ok(existsSync(join(repo.path, 'ws/src/.contractor.yaml')));
  // What the build left as it was is linked from the saved workspace, not written again.
  assert.equal(lstatSync(join(repo.path, 'ws/kept')).ino, kept);
  assert.deepEqual(readdirSync(repo.path).sort(), ['.contractor.yaml', '.git', '.gitignore', 'ws']);
});

// The build writes the workspace: in the work tree it could hold what the user's next
// `npm test` or `git commit` runs, so it lands there only with the user's say.
test('a workspace the user did not approve is kept under .git/contractor/workspaces and restored from there', async () => {
  const repo = repoWith(
    'workspace: node_modules\nbuild: |\n  n=$(cat ../count 2>/dev/null || echo 0)\n  echo $((n+1)) > ../count\n  mkdir -p ../.bin && printf "#!/bin/sh\\necho PLANTED\\n" > ../.bin/jest\n',
  );
  const kept = join(repo.path, '.git', 'contractor', 'workspaces', 'node_modules');
  for (const n of ['1', '2']) {
    const r = await contractor(repo.path, ['run', '--no-cache'], { CONTRACTOR_HOME: home.path });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(kept, 'count'), 'utf8').trim(), n);
  }
  assert.ok(existsSync(join(kept, '.bin', 'jest')));
  assert.equal(existsSync(join(repo.path, 'node_modules')), false, 'nothing in the work tree');
  // The user's policy approves it: from then on it is the work tree's node_modules.
  const approved = policy('workspaces: [node_modules]\n');
  const r = await contractor(repo.path, ['run', '--no-cache'], approved);
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(join(repo.path, 'node_modules', 'count'), 'utf8').trim(), '1');
});

test('a workspace is saved only after a run that passed and was not --audit', async () => {
  const repo = repoWith(
    'workspace: ws\nbuild: |\n  n=$(cat ../count 2>/dev/null || echo 0)\n  echo $((n+1)) > ../count\n  [ ! -e fail ]\n',
  );
  repo.git('config', 'contractor.workspace', 'ws');
  writeFileSync(join(repo.path, '.gitignore'), 'ws/\n');
  const count = () => readFileSync(join(repo.path, 'ws', 'count'), 'utf8').trim();
  const env = { CONTRACTOR_HOME: home.path };
  assert.equal((await contractor(repo.path, ['run', '--no-cache'], env)).exitCode, 0);
  assert.equal(count(), '1');
  assert.equal((await contractor(repo.path, ['run', '--no-cache', '--audit'], env)).exitCode, 0);
  assert.equal(count(), '1', 'an --audit run saves nothing');
  repo.write('fail', '');
  repo.commitAll('fail');
  assert.equal((await contractor(repo.path, ['run', '--no-cache'], env)).exitCode, 1);
  assert.equal(count(), '1', 'a failed run saves nothing');
});

// The seed's spec says `worker-image: worker.img`: a name among the policy's images, which
// was once stat'ed as a host path and ended every gvisor and vm run in ENOENT.
test("the seed's hello spec, worker-image: worker.img, passes in gvisor", async () => {
  const repo = repoWith(
    'worker-image: worker.img\nsource: .\nworkspace: ws\nbuild: |\n  gcc hello.c -o hello\n  ./hello\nartifacts: [hello]\n',
    { 'hello.c': HELLO_C },
  );
  const r = await runJson(repo, ['--driver', 'gvisor']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.doc.driver, 'gvisor');
  assert.match(readFileSync(r.doc.log, 'utf8'), /hello, world/);
});

test('the policy floor and image list hold for git contractor run too', async () => {
  const low = repoWith('driver: namespace\nbuild: echo built\n');
  const r = await contractor(low.path, ['run'], policy('driver: vm\n'));
  assert.equal(r.exitCode, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /\.contractor\.yaml: driver: namespace is below vm/);
  const image = repoWith('worker-image: /srv/images/evil.img\nbuild: echo built\n');
  const i = await contractor(image.path, ['run'], { CONTRACTOR_HOME: home.path });
  assert.equal(i.exitCode, 2, i.stdout + i.stderr);
  assert.match(i.stderr, /the images there are: worker\./);
});

// The spec is the commit's; the workspace is the user's, replaced whole by what the build left.
test('a workspace through a link, over tracked files, or in .git is refused before anything runs', async () => {
  const plant =
    'build: |\n  mkdir -p /workspace/hooks\n  printf "#!/bin/sh\\necho PLANTED\\n" > /workspace/hooks/pre-commit\n';
  const git = repoWith(`workspace: .git\n${plant}`);
  const linked = repoWith(`workspace: ws\n${plant}`, { ws: '' });
  // A link committed in the tree, pointing at the repository's own git directory.
  linked.git('rm', '-q', 'ws');
  symlinkSync('.git', join(linked.path, 'ws'));
  linked.commitAll('link');
  const tracked = repoWith(`workspace: lib\n${plant}`, { 'lib/util.c': 'int util;\n' });
  // Approved by the user, or they would be kept under .git/contractor/workspaces/ instead.
  linked.git('config', 'contractor.workspace', 'ws');
  tracked.git('config', 'contractor.workspace', 'lib');
  const cases: [TestRepo, RegExp][] = [
    [git, /\.contractor\.yaml:1:12: workspace ".git" is inside git's own directory/],
    [
      linked,
      /workspace "ws": ws is a symbolic link \(to \.git\); a workspace must be a real directory/,
    ],
    [tracked, /workspace "lib" holds files git tracks \(lib\/util\.c\)/],
  ];
  for (const [repo, said] of cases) {
    const r = await contractor(repo.path, ['run', '--no-cache'], { CONTRACTOR_HOME: home.path });
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(r.stderr, said);
    assert.equal(existsSync(join(repo.path, '.git/hooks/pre-commit')), false);
    const runs = join(repo.path, '.git/contractor/runs');
    assert.ok(!existsSync(runs) || readdirSync(runs).length === 0, 'nothing ran');
  }
  assert.equal(readFileSync(join(tracked.path, 'lib/util.c'), 'utf8'), 'int util;\n');
});

test('the workspace is saved when the temporary directory is another file system', async () => {
  const repo = repoWith(
    'workspace: ws\nbuild: |\n  n=$(cat ../count 2>/dev/null || echo 0)\n  echo $((n+1)) > ../count\n',
  );
  repo.git('config', 'contractor.workspace', 'ws');
  writeFileSync(join(repo.path, '.gitignore'), 'ws/\n');
  // A tmpfs /tmp (Debian 13's default): the job's output is unpacked there, the workspace is not.
  const env = { CONTRACTOR_HOME: home.path, TMPDIR: '/dev/shm' };
  for (const n of ['1', '2']) {
    const r = await contractor(repo.path, ['run', '--no-cache'], env);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(readFileSync(join(repo.path, 'ws/count'), 'utf8').trim(), n);
  }
  assert.deepEqual(readdirSync(repo.path).sort(), ['.contractor.yaml', '.git', '.gitignore', 'ws']);
});

test('a symlink the build leaves in the workspace pointing at a host file never comes back', async () => {
  const repo = repoWith(
    'workspace: ws\nbuild: |\n  ln -s /etc/passwd ../evil\n  ln -s ../../../../../etc/shadow escape\n',
  );
  repo.git('config', 'contractor.workspace', 'ws');
  const r = await runJson(repo);
  assert.equal(existsSync(join(repo.path, 'ws/evil')), false);
  assert.equal(existsSync(join(repo.path, 'ws/src/escape')), false);
  assert.equal(r.doc.status, 'violation');
  assert.ok(r.doc.violations.some((v: { kind: string }) => v.kind === 'output'));
});

test('a chain of links whose texts stay inside never carries a host file into the artifacts or the workspace', async () => {
  const host = tempDir('contractor-host-secret-');
  writeFileSync(join(host.path, 'token'), 'host secret\n');
  const repo = repoWith(`workspace: ws\nartifacts: [token]\nbuild: |\n${chainBuild(host.path)}`);
  const r = await runJson(repo);
  host.remove();
  assert.ok(validateResult(r.doc), JSON.stringify(validateResult.errors));
  assert.deepEqual(r.doc.artifacts, []);
  assert.equal(existsSync(join(r.doc.outDir, 'artifacts', 'token')), false);
  assert.equal(r.doc.status, 'violation');
  const output = r.doc.violations.filter((v: { kind: string }) => v.kind === 'output');
  assert.match(JSON.stringify(output), /"src: symlink to a1\/.*leaves the workspace/);
  assert.match(JSON.stringify(output), /"cache: symlink to a1\/.*leaves the workspace/);
  // A run with a violation saves no workspace, in the work tree or where it is kept.
  assert.equal(existsSync(join(repo.path, 'ws')), false);
  assert.equal(existsSync(join(repo.path, '.git/contractor/workspaces/ws')), false);
});

test('a log flood ends the job with the log limit named', async () => {
  const repo = repoWith('limits: {log: 1MiB}\nbuild: yes hello-hello-hello\n');
  const r = await runJson(repo);
  assert.equal(r.exitCode, 4, r.stderr);
  assert.equal(r.doc.limit, 'log');
  assert.ok(readFileSync(r.doc.log).length <= 1024 * 1024 + 64 * 1024);
});

test('a commit without a spec is a usage error naming the file', async () => {
  const repo = makeRepo({ a: '1' });
  repo.commitAll('no spec');
  try {
    const r = await contractor(repo.path, ['run'], { CONTRACTOR_HOME: home.path });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /\.contractor\.yaml/);
  } finally {
    repo.remove();
  }
});

test('a committed spec too big to be one is refused by its size, unread, committed or in the work tree', async () => {
  const repo = makeRepo({ a: '1' });
  try {
    // A byte over 1 MiB, and valid YAML: only its size can refuse it.
    const text = `build: "true"\n#${'x'.repeat(1024 * 1024 - 15)}\n`;
    assert.equal(text.length, 1024 * 1024 + 1);
    repo.write('.contractor.yaml', text);
    repo.commitAll('big spec');
    for (const args of [['run'], ['run', '--worktree']]) {
      const r = await contractor(repo.path, args, { CONTRACTOR_HOME: home.path });
      assert.equal(r.exitCode, 2, r.stderr);
      assert.match(r.stderr, /\.contractor\.yaml in .*: spec is 1048577 bytes; the limit is 1 MiB/);
    }
  } finally {
    repo.remove();
  }
});

test('--worktree builds the edited working tree, spec included, and names its tree, not a commit', async () => {
  const repo = repoWith('build: cat msg.txt\n', { 'msg.txt': 'committed\n' });
  repo.write('msg.txt', 'edited, not committed\n');
  repo.write('.contractor.yaml', 'build: |\n  cat msg.txt\n  echo from-the-edited-spec\n');
  const r = await runJson(repo, ['--worktree']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(validateResult(r.doc), JSON.stringify(validateResult.errors));
  assert.equal(r.doc.commit, null);
  assert.match(r.doc.tree, /^[0-9a-f]{40}$/);
  assert.notEqual(r.doc.tree, repo.git('rev-parse', 'HEAD^{tree}'));
  const log = readFileSync(r.doc.log, 'utf8');
  assert.match(log, /edited, not committed/);
  assert.match(log, /from-the-edited-spec/);
  // The committed tree is still what a plain run builds.
  const plain = await runJson(repo, ['--no-cache']);
  assert.match(readFileSync(plain.doc.log, 'utf8'), /^committed$/m);
});

test('the same tree returns from the cache without building', async () => {
  const repo = repoWith('build: "true"\n');
  await contractor(repo.path, ['run'], { CONTRACTOR_HOME: home.path });
  const r = await contractor(repo.path, ['run'], { CONTRACTOR_HOME: home.path });
  assert.equal(r.exitCode, 0);
  // How fast that is lives in `npm run bench -- cache`; here, that no build ran.
  assert.match(r.stdout, /cached/);
});

test.run();
