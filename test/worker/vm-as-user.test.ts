// NoRoot, end to end: an ordinary user made with adduser, with a Debian user's PATH (no /usr/sbin),
// checks the host with doctor, builds the worker image and runs a vm build, as the README says.
// Root only (it makes and removes the user); one file, as the image build takes minutes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import { CONTRACTOR } from '../helpers/cli.js';
import { linkedCopy } from '../helpers/linked-copy.js';

const USER = `ctr-vm-${randomBytes(3).toString('hex')}`;
const HOME = `/home/${USER}`;
/** Found on the test's own PATH: the user's, given to the command, lacks /usr/sbin. */
const RUNUSER = execFileSync('sh', ['-c', 'command -v runuser'], { encoding: 'utf8' }).trim();

let cli = CONTRACTOR;

/**
 * The CLI where the user can run it. A checkout in root's 0700 home (a fresh machine's
 * /root/contractor) is closed to them, so it is hard-linked (or copied) into theirs.
 */
function cliForUser(): string {
  if (spawnSync(RUNUSER, ['-u', USER, '--', 'test', '-r', CONTRACTOR]).status === 0)
    return CONTRACTOR;
  const copy = join(HOME, 'contractor-checkout');
  linkedCopy(dirname(dirname(CONTRACTOR)), copy);
  return join(copy, 'bin', 'contractor.js');
}

/** Runs the CLI as the user, in their home, with only what a login would give them. */
async function asUser(
  args: string[],
  cwd = HOME,
): Promise<{ code: number; out: string; stdout: string }> {
  const r = await execa(RUNUSER, ['-u', USER, '--', process.execPath, cli, ...args], {
    cwd,
    reject: false,
    all: true,
    extendEnv: false,
    env: { PATH: '/usr/bin:/bin', HOME, USER, LANG: 'C.UTF-8', NO_COLOR: '1' },
  });
  return { code: r.exitCode ?? -1, out: r.all || (r.message ?? ''), stdout: r.stdout };
}

if (process.getuid?.() === 0) {
  test.before(() => {
    execFileSync('adduser', ['--disabled-password', '--gecos', '', '--quiet', USER]);
    cli = cliForUser();
  });

  test.after(() => {
    execFileSync('deluser', ['--quiet', '--remove-home', USER], { stdio: 'ignore' });
  });

  test('adduser gave the user subordinate ids, so doctor asks for nothing but the image', async () => {
    assert.match(readFileSync('/etc/subuid', 'utf8'), new RegExp(`^${USER}:\\d+:65536$`, 'm'));
    const r = await asUser(['doctor', '--json']);
    assert.equal(r.code === -1, false, r.out);
    const vm = (JSON.parse(r.stdout) as { driver: string; detail: string }[]).find(
      (p) => p.driver === 'vm',
    );
    assert.match(vm?.detail ?? '', /no worker image yet/, r.out);
    assert.doesNotMatch(vm?.detail ?? '', /missing|subordinate/, r.out);
  });

  test('the user builds the worker image and a job in the vm tier', async () => {
    const image = await asUser(['image', 'build']);
    assert.equal(image.code, 0, image.out);
    // A project of its own: the home holds the image cache, which is no build's source.
    const project = join(HOME, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'spec.yaml'),
      'source: .\nbuild: |\n  echo built-as-a-user > out.txt\nartifacts:\n  - out.txt\n',
    );
    execFileSync('chown', ['-R', `${USER}:${USER}`, project]);
    const build = await asUser(['build', '--driver', 'vm', '--out', 'out', 'spec.yaml'], project);
    assert.equal(build.code, 0, build.out);
    const artifact = readFileSync(join(project, 'out/artifacts/out.txt'), 'utf8');
    assert.equal(artifact.trim(), 'built-as-a-user');
  });
}

test.run();
