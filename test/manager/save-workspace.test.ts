// Saving the workspace back: the old one is replaced whole or kept, wherever the new one was made.
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import { replaceDirectory, stagingBeside } from '../../src/manager/save-workspace.js';
import { ownerTagOf } from '../../src/worker/owner-tag.js';
import { tempDir } from '../helpers/tmp.js';

/** A built workspace: a file, an executable, a link that stays inside, a nested directory. */
function freshWorkspace(parent: string): string {
  const fresh = mkdtempSync(join(parent, 'contractor-fresh-'));
  mkdirSync(join(fresh, 'src/bin'), { recursive: true });
  writeFileSync(join(fresh, 'count'), '2\n');
  writeFileSync(join(fresh, 'src/bin/tool'), '#!/bin/sh\n');
  chmodSync(join(fresh, 'src/bin/tool'), 0o750);
  symlinkSync('bin/tool', join(fresh, 'src/tool'));
  return fresh;
}

function assertSaved(target: string): void {
  assert.equal(readFileSync(join(target, 'count'), 'utf8'), '2\n');
  assert.equal(statSync(join(target, 'src/bin/tool')).mode & 0o777, 0o750);
  assert.equal(readlinkSync(join(target, 'src/tool')), 'bin/tool');
  assert.equal(existsSync(join(target, 'stale')), false, 'the old workspace is replaced whole');
}

test('replaces the workspace with one made on another file system (a tmpfs /tmp)', async () => {
  const repo = tempDir();
  const target = join(repo.path, 'ws');
  mkdirSync(target);
  writeFileSync(join(target, 'stale'), 'old\n');
  // /dev/shm is a tmpfs: the case that failed every save and left the old workspace moved aside.
  const fresh = freshWorkspace('/dev/shm');
  try {
    assert.notEqual(statSync('/dev/shm').dev, statSync(repo.path).dev, 'needs two file systems');
    await replaceDirectory(target, fresh);
    assertSaved(target);
    assert.deepEqual(readdirSync(repo.path), ['ws'], 'nothing is left beside it');
    assert.equal(existsSync(fresh), false, 'the copy made on the other file system is removed');
  } finally {
    repo.remove();
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('replaces by rename on the same file system, and makes a missing parent', async () => {
  const repo = tempDir();
  const target = join(repo.path, '.cache', 'ws');
  const fresh = freshWorkspace(repo.path);
  try {
    await replaceDirectory(target, fresh);
    assertSaved(target);
    assert.equal(existsSync(fresh), false);
  } finally {
    repo.remove();
  }
});

test('a fresh directory that cannot be placed leaves the old workspace where it was', async () => {
  const repo = tempDir();
  const target = join(repo.path, 'ws');
  mkdirSync(target);
  writeFileSync(join(target, 'stale'), 'old\n');
  try {
    await assert.rejects(replaceDirectory(target, join(repo.path, 'no-such-dir')), /ENOENT/);
    assert.equal(readFileSync(join(target, 'stale'), 'utf8'), 'old\n');
    assert.deepEqual(readdirSync(repo.path), ['ws']);
  } finally {
    repo.remove();
  }
});

test('a save is staged beside the workspace; one a killed save left there is removed first', async () => {
  const repo = tempDir();
  const target = join(repo.path, 'ws');
  // A save whose process is gone (its pid's start time no longer matches), and a live one's.
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const gone = ownerTagOf(child.pid as number) as string;
  await new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL'));
  const live = ownerTagOf(process.pid) as string;
  mkdirSync(join(repo.path, `.ws.contractor-save-${gone}-AbC123`));
  mkdirSync(join(repo.path, `.ws.contractor-save-${live}-XyZ789`));
  mkdirSync(join(repo.path, '.ws.contractor-save-by-hand'));
  try {
    const staged = await stagingBeside(target);
    assert.equal(statSync(staged).dev, statSync(repo.path).dev);
    assert.deepEqual(
      readdirSync(repo.path).sort(),
      [
        '.ws.contractor-save-by-hand',
        `.ws.contractor-save-${live}-XyZ789`,
        staged.slice(repo.path.length + 1),
      ].sort(),
    );
  } finally {
    repo.remove();
  }
});

test.run();
