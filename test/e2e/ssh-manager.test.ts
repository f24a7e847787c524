// Remote managers end to end: the real CLI on both sides of a real OpenSSH server on 127.0.0.1,
// the real namespace driver building on the manager.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { test } from 'uvu';
import { encodeControl } from '../../src/manager/remote/frame.js';
import { helloFrame } from '../../src/manager/remote/hello.js';
import { jobFrameFor, runRemoteAttempt } from '../../src/manager/remote/remote-attempt.js';
import { initKeys } from '../../src/attest/init-keys.js';
import { RunningJobs } from '../../src/manager/remote/running-jobs.js';
import { openSshSession } from '../../src/manager/remote/ssh-session.js';
import { specRepos, type TestRepo } from '../helpers/git-repo.js';
import { jobRequest } from '../helpers/in-process-manager.js';
import { processesMatching } from '../helpers/processes.js';
import { CONTRACTOR_BIN, managerCommand, startSshd, type TestSshd } from '../helpers/sshd.js';
import { tempDir } from '../helpers/tmp.js';
import { chainBuild } from '../helpers/link-chain.js';

const GIT_CONTRACTOR = CONTRACTOR_BIN.replace(/contractor\.js$/, 'git-contractor.js');
const HELLO_C = '#include <stdio.h>\nint main(void) { printf("hello, world\\n"); return 0; }\n';

let m1: TestSshd;
let m2: TestSshd;
let home: ReturnType<typeof tempDir>;
const repos = specRepos();
const repoWith = repos.make;

function managersYaml(entries: { name: string; s: TestSshd; hostKey?: string }[]): string {
  return (
    'managers:\n' +
    entries
      .map(
        (e) =>
          `  ${e.name}:\n    host: 127.0.0.1\n    port: ${e.s.port}\n    user: ${e.s.manager().user}\n` +
          `    key: ${e.s.clientKey}\n    hostKey: "${e.hostKey ?? e.s.hostKey}"\n    capacity: 1\n`,
      )
      .join('')
  );
}

test.before(async () => {
  home = tempDir('contractor-client-home-');
  m1 = await startSshd('m1', (dir) => managerCommand(dir));
  m2 = await startSshd('m2', (dir) => managerCommand(dir));
  writeFileSync(
    join(home.path, 'config.yaml'),
    managersYaml([
      { name: 'm1', s: m1 },
      { name: 'm2', s: m2 },
      { name: 'impostor', s: m1, hostKey: m2.hostKey },
    ]),
  );
});

test.after(async () => {
  await m1.stop();
  await m2.stop();
  home.remove();
  repos.removeAll();
});

function run(repo: TestRepo, args: string[]) {
  return execa(process.execPath, [GIT_CONTRACTOR, 'run', '--json', '--no-cache', ...args], {
    cwd: repo.path,
    reject: false,
    stdin: 'ignore',
    env: { CONTRACTOR_HOME: home.path, NO_COLOR: '1' },
    timeout: 300_000,
  });
}

function resultOf(r: { stdout: string; stderr: string; exitCode?: number }): Record<string, any> {
  try {
    return JSON.parse(r.stdout) as Record<string, any>;
  } catch {
    return assert.fail(`no JSON on stdout (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 120_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runningOn = (s: TestSshd) => new RunningJobs(join(s.dir, 'manager', 'running'));

test('git contractor run --manager builds on the manager; result, log and artifact land in the client outDir', async () => {
  const repo = repoWith('build: |\n  gcc hello.c -o hello\n  ./hello\nartifacts: [hello]\n', {
    'hello.c': HELLO_C,
  });
  const r = await run(repo, ['--manager', 'm1']);
  const doc = resultOf(r);
  assert.equal(r.exitCode, 0, `${r.stderr}\n${m1.log()}`);
  assert.equal(doc.status, 'passed');
  assert.match(doc.policy.source, /narrowed by .*policy\.yaml/);
  assert.ok(doc.outDir.startsWith(join(repo.path, '.git', 'contractor', 'runs')), doc.outDir);
  assert.deepEqual(JSON.parse(readFileSync(join(doc.outDir, 'result.json'), 'utf8')), doc);
  assert.match(readFileSync(doc.log, 'utf8'), /hello, world/);
  const bytes = readFileSync(join(doc.outDir, 'artifacts', 'hello'));
  assert.equal(doc.artifacts[0].sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.match(repo.git('notes', '--ref=contractor', 'show', 'HEAD'), /"status":"passed"/);
});

/** The signed statement's source descriptor, read from an attestation the client received. */
function signedSource(attestation: string): { digest: Record<string, string> } {
  const envelope = JSON.parse(readFileSync(attestation, 'utf8')) as { payload: string };
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as {
    predicate: { buildDefinition: { resolvedDependencies: { digest: Record<string, string> }[] } };
  };
  return statement.predicate.buildDefinition.resolvedDependencies[0] as {
    digest: Record<string, string>;
  };
}

test('the manager signs the git tree it computed from the archive, the commit’s own tree', async () => {
  await initKeys(m1.dir);
  try {
    const repo = repoWith('build: |\n  cp run.sh out\nartifacts: [out]\n', {
      'run.sh': '#!/bin/sh\n',
      'a.b': '',
      'a/b': 'x',
    });
    const r = await run(repo, ['--manager', 'm1']);
    const doc = resultOf(r);
    assert.equal(doc.status, 'passed', `${r.stderr}\n${m1.log()}`);
    assert.ok(doc.attestation, `unsigned:\n${r.stderr}`);
    const source = signedSource(doc.attestation);
    assert.equal(source.digest.gitTree, repo.git('rev-parse', 'HEAD^{tree}'));

    // A client that names another commit's tree than the archive it sends gets no signature.
    const other = repoWith('build: |\n  cp run.sh out\nartifacts: [out]\n', {
      'run.sh': 'reviewed\n',
    });
    const out = tempDir();
    const archive = execFileSync('git', ['-C', repo.path, 'archive', '--prefix=src/', 'HEAD']);
    const req = {
      ...jobRequest(out.path, { spec: 'build: |\n  cp run.sh out\nartifacts: [out]\n' }),
      sourceUnderSrc: () => Readable.from([archive]),
      commit: other.git('rev-parse', 'HEAD'),
      tree: other.git('rev-parse', 'HEAD^{tree}'),
    };
    const lied = await runRemoteAttempt(await openSshSession(m1.manager()), req);
    assert.equal(lied.status, 'passed', m1.log());
    assert.equal(lied.attestation, null);
    assert.match(
      JSON.stringify(req.events),
      /not signed: the source this manager received is git tree/,
    );
    out.remove();
  } finally {
    rmSync(join(m1.dir, 'keys'), { recursive: true, force: true });
  }
});

test('a chain of links whose texts stay inside never carries a manager host file to the client', async () => {
  const host = tempDir('contractor-manager-secret-');
  chmodSync(host.path, 0o755);
  writeFileSync(join(host.path, 'token'), 'manager secret\n', { mode: 0o644 });
  const repo = repoWith(`workspace: ws\nartifacts: [token]\nbuild: |\n${chainBuild(host.path)}`);
  writeFileSync(join(repo.path, '.gitignore'), 'ws/\n');
  const r = await run(repo, ['--manager', 'm1']);
  host.remove();
  const doc = resultOf(r);
  assert.deepEqual(doc.artifacts, [], `${r.stderr}\n${m1.log()}`);
  assert.equal(existsSync(join(doc.outDir, 'artifacts', 'token')), false);
  assert.equal(doc.status, 'violation');
  assert.match(
    JSON.stringify(doc.violations),
    /"kind":"output"[^}]*"detail":"src: symlink to a1\//,
  );
  assert.equal(lstatSync(join(repo.path, 'ws', 'cache'), { throwIfNoEntry: false }), undefined);
});

test('git config contractor.manager sends runs to the manager without a flag', async () => {
  const repo = repoWith('build: "true"\n');
  repo.git('config', 'contractor.manager', 'm2');
  const doc = resultOf(await run(repo, []));
  assert.equal(doc.status, 'passed');
  assert.match(doc.policy.source, new RegExp(`narrowed by ${m2.dir}`));
  const local = resultOf(await run(repo, ['--manager', 'local']));
  assert.doesNotMatch(local.policy.source, /narrowed by/);
});

test('the workspace cache travels to the manager and back: restored before each build, saved after a pass', async () => {
  const repo = repoWith(
    'workspace: ws\nbuild: |\n  n=$(cat ../count 2>/dev/null || echo 0)\n  echo $((n+1)) > ../count\n  [ ! -e leak ] || ln -s /etc/passwd ../passwd\n',
  );
  repo.git('config', 'contractor.workspace', 'ws');
  writeFileSync(join(repo.path, '.gitignore'), 'ws/\n');
  for (const n of ['1', '2']) {
    const r = await run(repo, ['--manager', 'm1']);
    assert.equal(resultOf(r).status, 'passed', `${r.stderr}\n${m1.log()}`);
    assert.equal(readFileSync(join(repo.path, 'ws', 'count'), 'utf8').trim(), n);
  }
  assert.deepEqual(readdirSync(join(repo.path, 'ws')).sort(), ['count', 'src']);
  assert.ok(
    existsSync(join(repo.path, 'ws', 'src', '.contractor.yaml')),
    'src/ holds the built tree',
  );
  // The link out is dropped on the manager and reported; a run with a violation saves nothing.
  repo.write('leak', '');
  repo.commitAll('leak');
  const r = await run(repo, ['--manager', 'm1']);
  const doc = resultOf(r);
  assert.equal(doc.status, 'violation', `${r.stderr}\n${m1.log()}`);
  assert.match(
    JSON.stringify(doc.violations),
    /passwd: symlink to \/etc\/passwd leaves the workspace/,
  );
  assert.equal(readFileSync(join(repo.path, 'ws', 'count'), 'utf8').trim(), '2');
  assert.equal(existsSync(join(doc.outDir, 'workspace.tar')), false);
  assert.doesNotMatch(readdirSync(repo.path).join(' '), /contractor-(old|new)/);
});

// DriverFloor: the client's policy and --driver are the client's; the manager's policy is its own.
test('a manager runs every job in at least its own policy driver, whatever the client asks', async () => {
  const floor = await startSshd('floor', (dir) => {
    writeFileSync(join(dir, 'policy.yaml'), 'driver: gvisor\n');
    return managerCommand(dir);
  });
  const clientHome = tempDir('contractor-floor-client-');
  try {
    writeFileSync(
      join(clientHome.path, 'config.yaml'),
      managersYaml([{ name: 'floor', s: floor }]),
    );
    const go = (repo: TestRepo, args: string[]) =>
      execa(
        process.execPath,
        [GIT_CONTRACTOR, 'run', '--json', '--no-cache', '--manager', 'floor', ...args],
        {
          cwd: repo.path,
          reject: false,
          stdin: 'ignore',
          env: { CONTRACTOR_HOME: clientHome.path, NO_COLOR: '1' },
          timeout: 300_000,
        },
      );
    const plain = repoWith('build: "true"\n');
    const asked = await go(plain, ['--driver', 'namespace']);
    const doc = resultOf(asked);
    assert.equal(doc.status, 'passed', `${asked.stderr}\n${floor.log()}`);
    assert.equal(doc.driver, 'gvisor');
    const low = repoWith('driver: namespace\nbuild: echo built\n');
    const refused = await go(low, []);
    assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      /driver: namespace is below gvisor, the least isolation the trusted policy \(.*narrowed by .*policy\.yaml\) allows/,
    );
  } finally {
    clientHome.remove();
    await floor.stop();
  }
});

test('a manager presenting another host key than the pinned one is refused', async () => {
  const repo = repoWith('build: "true"\n');
  const r = await run(repo, ['--manager', 'impostor']);
  assert.equal(r.exitCode, 5);
  assert.match(
    r.stderr,
    /no manager could take job .*manager impostor \(127\.0\.0\.1:\d+\) presented host key SHA256:\S+, which is not the key pinned/,
  );
  assert.deepEqual(await runningOn(m1).list(), []);
});

test('the real manager refuses a client of another protocol version, saying so on its stderr', async () => {
  const t = tempDir();
  const serve = execa(process.execPath, [CONTRACTOR_BIN, 'manager', 'serve', '--stdio'], {
    input: encodeControl(helloFrame('client', 99)),
    reject: false,
    encoding: 'buffer',
    env: { CONTRACTOR_HOME: t.path },
  });
  const r = await serve;
  assert.equal(r.exitCode, 5);
  assert.match(
    Buffer.from(r.stderr).toString(),
    /refused a client speaking contractor protocol 99 \(contractor [^)]+\); this manager speaks protocol 2/,
  );
  assert.match(Buffer.from(r.stdout).toString(), /"type":"error".*refused a client speaking/);
  await assert.rejects(
    openSshSession(m1.manager(), { protocol: 99 }),
    /manager m1 speaks contractor protocol 2 .*this client speaks protocol 99/,
  );
  t.remove();
});

test('the real manager refuses malformed and oversized frames over SSH', async () => {
  const session = await openSshSession(m1.manager());
  const job = jobFrameFor(jobRequest('/nonexistent'));
  await session.writer.control({ ...job, spec: 42 });
  const { value } = await session.frames.next();
  assert.match(JSON.stringify(value), /"type":"error".*malformed job frame: \/spec must be string/);
  session.close();
  const t = tempDir();
  const header = Buffer.alloc(5);
  header.writeUInt32BE(0xffffffff, 0);
  header[4] = 2;
  const r = await execa(process.execPath, [CONTRACTOR_BIN, 'manager', 'serve', '--stdio'], {
    input: Buffer.concat([encodeControl(helloFrame('client')), header]),
    reject: false,
    env: { CONTRACTOR_HOME: t.path },
  });
  assert.equal(r.exitCode, 5);
  assert.match(r.stderr, /a data frame of 4294967294 bytes \(at most 1048576\)/);
  t.remove();
});

test('a manager killed mid-job: the job finishes on a second one', async () => {
  const repo = repoWith('build: |\n  sleep 2\n  echo built once\n');
  const client = run(repo, ['--manager', 'm1,m2', '--verbose']);
  let victim: { pid: number } | undefined;
  await until(async () => {
    victim = (await runningOn(m1).list())[0] ?? (await runningOn(m2).list())[0];
    return victim !== undefined;
  }, 'the job to start on a manager');
  process.kill((victim as { pid: number }).pid, 'SIGKILL');
  const r = await client;
  const doc = resultOf(r);
  assert.equal(doc.status, 'passed', r.stderr);
  assert.match(
    r.stderr,
    /closed the channel before sending the result( \(manager stderr: .*\))?; retrying the job on another manager/,
  );
  assert.equal(readFileSync(doc.log, 'utf8').match(/built once/g)?.length, 1);
});

for (const signal of ['SIGINT', 'SIGKILL'] as const)
  test(`a client ended by ${signal} mid-build leaves no worker behind on the manager`, async () => {
    const marker = `${Math.floor(Math.random() * 1e6) + 100}.25`;
    const repo = repoWith(`build: sleep ${marker}\n`);
    const client = spawn(
      process.execPath,
      [GIT_CONTRACTOR, 'run', '--no-cache', '--manager', 'm1'],
      {
        cwd: repo.path,
        stdio: 'ignore',
        env: { ...process.env, CONTRACTOR_HOME: home.path },
      },
    );
    await until(() => processesMatching(`sleep ${marker}`).length > 0, 'the build to start');
    const serving = (await runningOn(m1).list()).map((j) => j.pid);
    assert.equal(serving.length, 1);
    client.kill(signal);
    await until(() => processesMatching(marker).length === 0, 'the worker to go', 60_000);
    await until(
      () => serving.every((pid) => !existsSync(`/proc/${pid}`)),
      'the manager session to end',
    );
    assert.deepEqual(await runningOn(m1).list(), []);
    assert.deepEqual(
      processesMatching('bwrap').filter((p) => p.cmdline.includes(marker)),
      [],
    );
  });

test.run();
