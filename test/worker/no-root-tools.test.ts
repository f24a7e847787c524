// NoRoot: an ordinary user's PATH on Debian is /usr/bin:/bin, without /usr/sbin where mkfs.ext4
// lives; tools are found there anyway, and an image build as a user is told what it lacks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import { imageBuildProblem } from '../../src/worker/image/subordinate-ids.js';
import { toolSearchPath } from '../../src/worker/tool-path.js';
import { makeScratchDisk } from '../../src/worker/vm/job-disks.js';
import { probeVm } from '../../src/worker/vm/vm-probe.js';

const USER_PATH = '/usr/bin:/bin';

/** Runs fn with the PATH a Debian user has, as the code reads it from process.env. */
async function withUserPath<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = USER_PATH;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

test('the tool path keeps the caller PATH first and adds /usr/sbin and /sbin', () => {
  const dirs = toolSearchPath('/opt/tools:/usr/bin:/bin').split(':');
  assert.equal(dirs[0], '/opt/tools');
  assert.ok(dirs.includes('/usr/sbin') && dirs.includes('/sbin'), dirs.join(':'));
  assert.equal(new Set(dirs).size, dirs.length, 'a directory listed twice');
});

test("a job's scratch disk is made with mkfs.ext4 from /usr/sbin, off a user's PATH", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-disk-'));
  try {
    await withUserPath(() => makeScratchDisk(join(dir, 'scratch.ext4'), 16 * 1024 ** 2));
    assert.ok(statSync(join(dir, 'scratch.ext4')).size >= 16 * 1024 ** 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("doctor does not call mkfs.ext4 missing on a user's PATH", async () => {
  const p = await withUserPath(() => probeVm());
  assert.doesNotMatch(p.detail, /mkfs\.ext4 is missing/, p.detail);
});

test('a user without subordinate id ranges is told how to add them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-subid-'));
  const files = { subuid: join(dir, 'subuid'), subgid: join(dir, 'subgid') };
  try {
    writeFileSync(files.subuid, 'someone:100000:65536\n');
    writeFileSync(files.subgid, 'someone:100000:65536\nbuilder:165536:65536\n');
    const said = (await imageBuildProblem({ uid: 1234, username: 'builder' }, files)) ?? '';
    assert.ok(said.includes(files.subuid), said);
    assert.ok(!said.includes(files.subgid), said);
    assert.match(said, /usermod --add-subuids \S+ builder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a range too narrow for Debian ids counts as none; a wide one, and root, pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-subid-'));
  const files = { subuid: join(dir, 'subuid'), subgid: join(dir, 'subgid') };
  try {
    writeFileSync(files.subuid, 'builder:100000:1000\n');
    writeFileSync(files.subgid, 'builder:100000:65536\n');
    const user = { uid: 1234, username: 'builder' };
    assert.match((await imageBuildProblem(user, files)) ?? '', /subuid/);
    writeFileSync(files.subuid, 'builder:100000:65536\n');
    assert.equal(await imageBuildProblem(user, files), undefined);
    assert.equal(
      await imageBuildProblem(
        { uid: 0, username: 'root' },
        { subuid: '/nonexistent', subgid: '/nonexistent' },
      ),
      undefined,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
