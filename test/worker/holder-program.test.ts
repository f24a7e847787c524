// A root manager's holder runs as a fresh job uid: it must start even when the install sits in a
// directory only root may enter (a clone under /root, or in a home directory of mode 0700).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import {
  holderProgramFor,
  installedHolderProgram,
  othersMay,
  PROGRAM_FD,
} from '../../src/worker/namespace/holder-program.js';
import { killHolder, spawnHolder, TOOL_PATH } from '../../src/worker/namespace/holder-spawn.js';
import { jobUid } from '../../src/worker/namespace/job-uid.js';

const root = process.getuid?.() === 0;
// Not under /tmp: the holder covers it with its own tmpfs.
const base = mkdtempSync('/var/tmp/contractor-program-test-');
chmodSync(base, 0o755);

/** A directory only its owner may enter, holding a copy of the holder's bundle. */
function privateInstall(): string {
  const dir = join(base, 'private');
  mkdirSync(dir, { mode: 0o700 });
  const program = join(dir, 'netns-holder.cjs');
  copyFileSync(installedHolderProgram(), program);
  chmodSync(program, 0o644);
  return program;
}
const privateProgram = privateInstall();

/** Whether uid can read path: cat run as that uid, in no group. */
function readableBy(uid: number, path: string): boolean {
  try {
    execFileSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'cat', path], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

test('othersMay reads the file and every directory above it', () => {
  const open = join(base, 'open');
  mkdirSync(open, { mode: 0o755 });
  writeFileSync(join(open, 'f'), 'x', { mode: 0o644 });
  writeFileSync(join(open, 'secret'), 'x', { mode: 0o600 });
  const shut = join(base, 'shut');
  mkdirSync(shut, { mode: 0o711 });
  mkdirSync(join(shut, 'inner'), { mode: 0o700 });
  writeFileSync(join(shut, 'inner', 'f'), 'x', { mode: 0o644 });
  writeFileSync(join(shut, 'g'), 'x', { mode: 0o644 });
  assert.equal(othersMay(join(open, 'f'), 0o4), true);
  assert.equal(othersMay(join(open, 'f'), 0o1), false, 'not executable');
  assert.equal(othersMay(join(open, 'secret'), 0o4), false);
  assert.equal(othersMay(join(shut, 'inner', 'f'), 0o4), false, 'a directory shuts it in');
  assert.equal(othersMay(join(shut, 'g'), 0o4), true, 'search is all a directory must grant');
  assert.equal(othersMay(join(base, 'missing'), 0o4), false);
});

test('the bundle is passed open, read by node through /proc/self/fd', () => {
  const program = holderProgramFor(jobUid(), privateProgram);
  try {
    assert.deepEqual(program.args, ['--preserve-symlinks-main', `/proc/self/fd/${PROGRAM_FD}`]);
    assert.ok(program.fd !== undefined);
    assert.deepEqual(readFileSync(program.fd), readFileSync(privateProgram));
  } finally {
    if (program.fd !== undefined) closeSync(program.fd);
  }
});

test('a holder whose install is private to root says hello', async () => {
  if (!root) return;
  const uid = jobUid() as number;
  assert.equal(readableBy(uid, privateProgram), false, 'the test install is not private');
  // As before: the private path itself, which the job's uid cannot reach, starts no holder.
  const refused = spawnHolder(TOOL_PATH, uid, { args: [privateProgram] });
  assert.equal(await refused.hello, undefined, 'a job uid read a private program');
  const holder = spawnHolder(TOOL_PATH, uid, holderProgramFor(uid, privateProgram));
  try {
    assert.equal(typeof (await holder.hello), 'number', 'the holder did not start');
  } finally {
    killHolder(holder);
  }
});

test('the unbundled program runs from its path, and a job uid that cannot read it is told why', () => {
  const unbundled = join(base, 'private', 'netns-holder.js');
  writeFileSync(unbundled, '');
  assert.deepEqual(holderProgramFor(undefined, unbundled), { args: [unbundled] });
  if (!root) return;
  assert.throws(
    () => holderProgramFor(jobUid(), unbundled),
    /cannot read .*netns-holder\.js.*npm run build/,
  );
});

test.after(() => rmSync(base, { recursive: true, force: true }));

test.run();
