// Scratch directories a killed run left behind are removed by the next run, and nothing else is:
// not a live run's, not another user's, not a symlink's target, not a name of another shape.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { test } from 'uvu';
import { makeScratchDir, sweepScratchDirs } from '../../src/manager/scratch-dir.js';
import { ownerTag } from '../../src/worker/owner-tag.js';
import { cgroupsNamed } from '../helpers/cgroups.js';
import { CONTRACTOR } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { deadOwnerTag } from '../helpers/processes.js';
import { tempDir } from '../helpers/tmp.js';

const OWNER_CHILD = fileURLToPath(new URL('./scratch-owner-child.js', import.meta.url));

/** A live owner of one scratch directory under base, in a pid namespace of its own if asked. */
async function liveOwner(
  base: string,
  ownPidNamespace: boolean,
): Promise<{ dir: string; kill: () => Promise<void> }> {
  const asUser = process.geteuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  const [cmd, args] = ownPidNamespace
    ? [
        'unshare',
        [...asUser, '--pid', '--fork', '--mount-proc', process.execPath, OWNER_CHILD, base],
      ]
    : [process.execPath, [OWNER_CHILD, base]];
  const child = spawn(cmd as string, args as string[], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const dir = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`the owner exited (${code}) before its directory`)),
    );
  });
  return {
    dir,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const bootPart = (): string => (ownerTag() as string).split('.')[0] as string;

/** A scratch directory as a run with that owner would have made it, holding a file. */
function leftBehind(base: string, owner: string, label = 'job'): string {
  const dir = join(base, `contractor-${label}-${owner}-AbC123`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'out.tar'), Buffer.alloc(1 << 20));
  return dir;
}

test('a scratch directory is named for its owner, and kept while the owner runs', async () => {
  const t = tempDir();
  try {
    const mine = await makeScratchDir('20261130T120000Z-0a1b2c3d', t.path);
    const tag = ownerTag();
    assert.ok(tag, 'this Linux has /proc, so names carry an owner');
    assert.match(mine, new RegExp(`contractor-20261130T120000Z-0a1b2c3d-${tag}-[A-Za-z0-9]{6}$`));
    assert.deepEqual(await sweepScratchDirs(t.path), []);
    assert.ok(existsSync(mine));
  } finally {
    t.remove();
  }
});

test('removes what an exited owner, a reused pid, or an earlier boot left, and only that', async () => {
  const t = tempDir();
  const outside = tempDir();
  try {
    const [, pid, start] = (ownerTag() as string).split('.');
    const gone = [
      leftBehind(t.path, await deadOwnerTag()),
      // Our pid, started at another time: the pid was reused, its owner is gone.
      leftBehind(t.path, `${bootPart()}.${pid}.${Number(start) + 1}`, 'reused'),
      leftBehind(t.path, `${bootPart() === '00000000' ? '11111111' : '00000000'}.1.1`, 'boot'),
    ];
    // A link inside a removed directory goes, and what it points at stays.
    writeFileSync(join(outside.path, 'precious'), 'keep me');
    symlinkSync(outside.path, join(gone[0] as string, 'link'));
    const kept = [
      leftBehind(t.path, ownerTag() as string, 'live'),
      // No owner in the name (an older version's): nothing says its owner is gone.
      join(t.path, 'contractor-20261130T120000Z-0a1b2c3d-XyZ789'),
      join(t.path, 'contractor-test-QwE456'),
    ];
    for (const d of kept.slice(1)) mkdirSync(d);
    // A run in another pid namespace (a container, a chroot with its own /proc): a pid free here
    // may be its live owner there.
    const [, deadPid, deadStart] = (await deadOwnerTag()).split('.');
    const thisBoot = bootPart().slice(0, 8);
    kept.push(leftBehind(t.path, `${thisBoot}n1.${deadPid}.${deadStart}`, 'other-pidns'));
    // A symlink with a dead owner's name: the directory it points at is nobody's to remove.
    const lure = join(t.path, `contractor-lure-${await deadOwnerTag()}-LmN000`);
    symlinkSync(outside.path, lure);
    kept.push(lure);

    const removed = await sweepScratchDirs(t.path);
    assert.deepEqual(removed.sort(), [...gone].sort());
    for (const d of gone) assert.ok(!existsSync(d), `${d} is still there`);
    for (const d of kept) assert.ok(existsSync(d), `${d} was removed`);
    assert.equal(readFileSync(join(outside.path, 'precious'), 'utf8'), 'keep me');
    assert.deepEqual(await sweepScratchDirs(t.path), [], 'a second sweep finds nothing');
  } finally {
    t.remove();
    outside.remove();
  }
});

if (process.geteuid?.() === 0)
  test("another user's directory is left alone, whatever its name says", async () => {
    const t = tempDir();
    try {
      const theirs = leftBehind(t.path, await deadOwnerTag());
      chownSync(theirs, 65534, 65534);
      assert.deepEqual(await sweepScratchDirs(t.path), []);
      assert.ok(existsSync(theirs));
    } finally {
      t.remove();
    }
  });

test('a live owner in another pid namespace keeps its directory; one SIGKILLed loses it', async () => {
  const t = tempDir();
  const owner = await liveOwner(t.path, true);
  try {
    // Its pid, read in our namespace, is some other process's or none: only its lock tells.
    assert.deepEqual(await sweepScratchDirs(t.path), []);
    assert.ok(existsSync(owner.dir), "a live owner's directory was removed");
    // Sweeping from its side too: a sweeper in a pid namespace of its own, as another container.
    const other = await liveOwner(t.path, true);
    try {
      assert.ok(existsSync(owner.dir), "the second owner swept the first one's directory");
      await other.kill();
      await owner.kill();
      const deadline = Date.now() + 30_000;
      // The holder of the locks sees the pipe close a moment after its owner dies.
      while (existsSync(owner.dir) || existsSync(other.dir)) {
        assert.ok(Date.now() < deadline, 'what the killed owners left was never swept');
        await sweepScratchDirs(t.path);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await other.kill();
    }
  } finally {
    await owner.kill();
    t.remove();
  }
});

test('a directory whose owner was SIGKILLed is swept', async () => {
  const t = tempDir();
  try {
    const owner = await liveOwner(t.path, false);
    assert.deepEqual(await sweepScratchDirs(t.path), [], 'kept while its owner runs');
    await owner.kill();
    const deadline = Date.now() + 30_000;
    let removed: string[] = [];
    while (removed.length === 0) {
      assert.ok(Date.now() < deadline, `${owner.dir} was never swept`);
      removed = await sweepScratchDirs(t.path);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(removed, [owner.dir]);
    assert.ok(!existsSync(owner.dir));
  } finally {
    t.remove();
  }
});

test('a run killed mid-build leaves its work directory and cgroups; the next run removes them', async () => {
  const tmp = tempDir();
  const home = tempDir();
  const repo = makeRepo({ '.contractor.yaml': 'build: |\n  echo started\n  sleep 60\n' });
  const env = { ...process.env, TMPDIR: tmp.path, CONTRACTOR_HOME: home.path, NO_COLOR: '1' };
  try {
    repo.commitAll('slow');
    const killed = execa(process.execPath, [CONTRACTOR, 'run', '--driver', 'namespace'], {
      cwd: repo.path,
      env,
      reject: false,
      stdin: 'ignore',
    });
    let out = '';
    killed.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    killed.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!out.includes('started')) {
      assert.ok(
        Date.now() < deadline && killed.exitCode === null,
        `the build never started: ${out}`,
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    const left = readdirSync(tmp.path).filter((n) => n.startsWith('contractor-'));
    assert.equal(left.length, 1, `one work directory while the job runs: ${left.join(', ')}`);
    killed.kill('SIGKILL');
    await killed;
    assert.ok(existsSync(join(tmp.path, left[0] as string)), 'SIGKILL runs no cleanup');
    const jobId = /^contractor-(\d{8}T\d{6}Z-[0-9a-f]{8})-/.exec(left[0] as string)?.[1];
    assert.ok(jobId, `a job's work directory: ${left[0]}`);
    // As root the job had cgroups; an unprivileged manager without delegation has none to leave.
    const cgroups = cgroupsNamed(`*${jobId}*`);
    if (process.geteuid?.() === 0) assert.ok(cgroups.length > 0, 'the killed job had cgroups');

    repo.write('.contractor.yaml', 'build: |\n  true\n');
    repo.commitAll('quick');
    const next = await execa(process.execPath, [CONTRACTOR, 'run', '--driver', 'namespace'], {
      cwd: repo.path,
      env,
      reject: false,
      stdin: 'ignore',
    });
    assert.equal(next.exitCode, 0, next.stdout + next.stderr);
    assert.deepEqual(
      readdirSync(tmp.path).filter((n) => n.startsWith('contractor-')),
      [],
      'the killed run left nothing once the next one is done',
    );
    assert.deepEqual(cgroupsNamed(`*${jobId}*`), [], 'nor its cgroups');
  } finally {
    repo.remove();
    tmp.remove();
    home.remove();
  }
});

test.run();
