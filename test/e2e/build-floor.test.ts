// The trusted side sets the floor and the spec can only raise it: the driver, the worker image,
// and whether the build's workspace lands in the work tree at all (`contractor build SPEC`).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO_C = '#include <stdio.h>\nint main(void) { printf("hello, world\\n"); return 0; }\n';
const COUNT = 'n=$(cat ../count 2>/dev/null || echo 0)\necho $((n+1)) > ../count\n';

/** A spec directory and a CONTRACTOR_HOME whose policy.yaml says `policy`. */
function setup(spec: string, policy = '') {
  const home = tempDir('contractor-floor-home-');
  const dir = tempDir('contractor-floor-');
  writeFileSync(join(home.path, 'policy.yaml'), policy);
  writeFileSync(join(dir.path, 'spec.yaml'), spec);
  writeFileSync(join(dir.path, 'hello.c'), HELLO_C);
  const build = (...args: string[]) =>
    contractor(dir.path, ['build', ...args, 'spec.yaml'], { CONTRACTOR_HOME: home.path });
  // Runs and kept workspaces live under CONTRACTOR_HOME, one directory per spec directory.
  const state = () => {
    const [only] = readdirSync(join(home.path, 'builds'));
    return join(home.path, 'builds', only ?? 'none');
  };
  return { dir: dir.path, build, state, remove: () => [home, dir].forEach((d) => d.remove()) };
}

test('a spec asking for a driver below the policy floor is refused by name', async () => {
  const t = setup('driver: namespace\nbuild: echo built\n', 'driver: gvisor\n');
  try {
    const r = await t.build();
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /spec\.yaml: driver: namespace is below gvisor, the least isolation the trusted policy \(\S+policy\.yaml\) allows \(namespace < gvisor < vm\)/,
    );
    assert.doesNotMatch(r.stdout, /built/);
  } finally {
    t.remove();
  }
});

test('--driver below the policy floor is refused too', async () => {
  const t = setup('build: echo built\n', 'driver: gvisor\n');
  try {
    const r = await t.build('--driver', 'namespace');
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--driver namespace is below gvisor/);
    assert.doesNotMatch(r.stdout, /built/);
  } finally {
    t.remove();
  }
});

test('a worker image the policy does not list is refused, naming the ones it does', async () => {
  for (const [image, policy, listed] of [
    ['other.img', '', 'worker'],
    ['/etc/passwd', '', 'worker'],
    ['../../worker.img', '', 'worker'],
    ['other.img', 'images: [worker, ci]\n', 'worker, ci'],
  ]) {
    const t = setup(`worker-image: ${image}\nbuild: echo built\n`, policy);
    try {
      const r = await t.build();
      assert.equal(r.exitCode, 2, r.stdout + r.stderr);
      assert.ok(
        r.stderr.includes(`worker-image "${image}" is not an image the trusted policy`) &&
          r.stderr.includes(`the images there are: ${listed}.`),
        r.stderr,
      );
      assert.doesNotMatch(r.stdout, /built/);
    } finally {
      t.remove();
    }
  }
});

// The seed's spec says `worker-image: worker.img`: a name, never stat'ed as a path on the host.
test("the seed's hello spec passes in gvisor, its worker.img naming the default image", async () => {
  const t = setup(
    'worker-image: worker.img\nsource: .\nbuild: |\n  gcc hello.c -o hello\n  ./hello\nartifacts: [hello]\n',
  );
  try {
    const r = await t.build('--driver', 'gvisor');
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /hello, world/);
    // Signed like every run that collects artifacts, naming the image it ran on.
    assert.ok(existsSync(join(t.state(), 'runs')));
  } finally {
    t.remove();
  }
});

test('a workspace the policy did not approve is kept under CONTRACTOR_HOME and restored from there', async () => {
  const t = setup(
    `workspace: node_modules\nbuild: |\n  ${COUNT.replace(/\n(?=.)/g, '\n  ')}  mkdir -p ../.bin && echo evil > ../.bin/tsc\n`,
  );
  try {
    for (const n of ['1', '2']) {
      const r = await t.build();
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const kept = join(t.state(), 'workspaces', 'node_modules');
      assert.equal(readFileSync(join(kept, 'count'), 'utf8').trim(), n);
      assert.ok(existsSync(join(kept, '.bin', 'tsc')));
    }
    assert.equal(existsSync(join(t.dir, 'node_modules')), false, 'nothing lands in the work tree');
  } finally {
    t.remove();
  }
});

test('an approved workspace lands in the work tree, saved only after a run that passed and was not --audit', async () => {
  const t = setup(
    `workspace: ws\nbuild: |\n  ${COUNT.replace(/\n(?=.)/g, '\n  ')}  [ ! -e fail ]\n`,
    'workspaces: [ws]\n',
  );
  const count = () => readFileSync(join(t.dir, 'ws', 'count'), 'utf8').trim();
  try {
    assert.equal((await t.build()).exitCode, 0);
    assert.equal(count(), '1');
    const audited = await t.build('--audit');
    assert.equal(audited.exitCode, 0, audited.stdout + audited.stderr);
    assert.equal(count(), '1', 'an --audit run saves nothing');
    writeFileSync(join(t.dir, 'fail'), '');
    const failed = await t.build();
    assert.equal(failed.exitCode, 1, failed.stdout + failed.stderr);
    assert.equal(count(), '1', 'a failed run saves nothing');
    assert.equal(existsSync(join(t.state(), 'workspaces')), false);
  } finally {
    t.remove();
  }
});

test('a spec asking for containers is refused when the policy forbids them, and before anything runs', async () => {
  const t = setup('containers: true\nbuild: echo built\n', 'containers: false\n');
  try {
    const r = await t.build();
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /containers: true is forbidden by the trusted policy/);
    assert.doesNotMatch(r.stdout, /built/);
  } finally {
    t.remove();
  }
  // Containers raise the driver to vm, the only tier that starts the filtered engine; with no
  // image built under this home, the job stops there, naming the command, and nothing runs.
  const u = setup('containers: true\nbuild: echo built\n');
  try {
    const r = await u.build();
    assert.notEqual(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /error \(vm,[\s\S]*no worker image 'worker'/);
    assert.doesNotMatch(r.stdout, /built/);
  } finally {
    u.remove();
  }
});

test.run();
