import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { hardLinkNameInside, unpackSanitised } from '../../src/manager/workspace-unpack.js';
import { craftTar } from '../helpers/craft-tar.js';
import { tempDir } from '../helpers/tmp.js';

async function unpackInto(
  entries: Parameters<typeof craftTar>[1],
  cap = 1 << 20,
  keep?: (path: string) => boolean,
  maxKept?: number,
) {
  const t = tempDir();
  const tar = join(t.path, 'out.tar');
  craftTar(tar, entries);
  const dest = join(t.path, 'dest');
  await (await import('node:fs/promises')).mkdir(dest);
  const outcome = await unpackSanitised(tar, dest, cap, { keep, maxKept });
  return { outcome, dest, remove: t.remove };
}

test('keeps ordinary files, directories and links that stay inside', async () => {
  const { outcome, dest, remove } = await unpackInto([
    { name: 'src', type: 'dir', mode: 0o755 },
    { name: 'src/hello', type: 'file', content: 'hi', mode: 0o755 },
    { name: 'src/link', type: 'symlink', linkname: 'hello' },
    { name: 'src/sub', type: 'dir', mode: 0o755 },
    { name: 'src/sub/up', type: 'symlink', linkname: '../hello' },
  ]);
  assert.equal(outcome.dropped.length, 0);
  assert.equal(readFileSync(join(dest, 'src/hello'), 'utf8'), 'hi');
  assert.equal(readlinkSync(join(dest, 'src/sub/up')), '../hello');
  remove();
});

test('drops a symlink that points at a host file by absolute path', async () => {
  const { outcome, dest, remove } = await unpackInto([
    { name: 'src/shadow', type: 'symlink', linkname: '/etc/shadow' },
  ]);
  assert.equal(existsSync(join(dest, 'src/shadow')), false);
  assert.match(outcome.dropped[0]?.detail ?? '', /symlink to \/etc\/shadow leaves the workspace/);
  remove();
});

test('drops a symlink that climbs out with ..', async () => {
  const { outcome, dest, remove } = await unpackInto([
    { name: 'src/a/b', type: 'symlink', linkname: '../../../../etc/passwd' },
  ]);
  assert.equal(existsSync(join(dest, 'src/a/b')), false);
  assert.equal(outcome.dropped[0]?.kind, 'output');
  remove();
});

test('never writes through a symlink planted earlier in the same archive', async () => {
  const victim = tempDir();
  const { dest, remove } = await unpackInto([
    { name: 'src/esc', type: 'symlink', linkname: victim.path },
    { name: 'src/esc/pwned', type: 'file', content: 'x' },
  ]);
  assert.equal(existsSync(join(victim.path, 'pwned')), false);
  assert.equal(lstatSync(join(dest, 'src')).isDirectory(), true);
  victim.remove();
  remove();
});

test('drops hard links to paths outside the tree', async () => {
  const { outcome, dest, remove } = await unpackInto([
    { name: 'src/h', type: 'hardlink', linkname: '../../etc/passwd' },
  ]);
  assert.equal(existsSync(join(dest, 'src/h')), false);
  assert.match(outcome.dropped[0]?.detail ?? '', /hard link/);
  remove();
});

test('drops devices and fifos', async () => {
  const { outcome, dest, remove } = await unpackInto([
    { name: 'null', type: 'chardev' },
    { name: 'pipe', type: 'fifo' },
  ]);
  assert.equal(existsSync(join(dest, 'null')), false);
  assert.equal(existsSync(join(dest, 'pipe')), false);
  assert.equal(outcome.dropped.length, 2);
  remove();
});

test('clears setuid, setgid and sticky bits', async () => {
  const { dest, remove } = await unpackInto([
    { name: 'suid', type: 'file', content: '#!/bin/sh', mode: 0o4755 },
    { name: 'sgid-dir', type: 'dir', mode: 0o2775 },
  ]);
  assert.equal(lstatSync(join(dest, 'suid')).mode & 0o7000, 0);
  assert.equal(lstatSync(join(dest, 'sgid-dir')).mode & 0o7000, 0);
  remove();
});

test('stops at the disk limit and says so', async () => {
  const { outcome, remove } = await unpackInto(
    [
      { name: 'a', type: 'file', size: 600 },
      { name: 'b', type: 'file', size: 600 },
    ],
    1000,
  );
  assert.equal(outcome.overLimit, true);
  remove();
});

test('refuses absolute and climbing entry names', async () => {
  const { dest, remove } = await unpackInto([
    { name: '../escape', type: 'file', content: 'x' },
    { name: '/tmp/contractor-abs-escape', type: 'file', content: 'x' },
  ]);
  assert.equal(existsSync(join(dest, '..', 'escape')), false);
  assert.equal(existsSync('/tmp/contractor-abs-escape'), false);
  remove();
});

test('a hard link must name another entry: relative, never climbing', () => {
  assert.equal(hardLinkNameInside('src/x'), true);
  assert.equal(hardLinkNameInside('src/../x'), false);
  assert.equal(hardLinkNameInside('/etc/passwd'), false);
});

const deep = Array.from({ length: 19 }, (_, i) => `a${i + 1}`).join('/');
const up = (n: number): string => '../'.repeat(n);
/** l2 leads back to the root: a link through l2/.. whose text stays inside climbs out for real. */
const ladder = [
  ...deep
    .split('/')
    .map((_, i, a) => ({ name: a.slice(0, i + 1).join('/'), type: 'dir' as const, mode: 0o755 })),
  { name: `${deep}/l2`, type: 'symlink' as const, linkname: up(19) },
];

test('drops a chain of symlinks whose texts stay inside but whose resolution leaves', async () => {
  const { outcome, dest, remove } = await unpackInto([
    ...ladder,
    { name: 'src', type: 'symlink', linkname: `${deep}/l2/${up(20)}etc` },
    { name: 'cache', type: 'dir', mode: 0o755 },
    { name: 'cache/key', type: 'symlink', linkname: `../${deep}/l2/${up(20)}etc/passwd` },
  ]);
  assert.equal(existsSync(join(dest, 'src')), false);
  assert.equal(existsSync(join(dest, 'cache/key')), false);
  assert.equal(lstatSync(join(dest, deep, 'l2')).isSymbolicLink(), true, 'l2 itself stays inside');
  const paths = outcome.dropped.map((v) => [v.kind, v.detail.split(':')[0]]);
  assert.deepEqual(paths.sort(), [
    ['output', 'cache/key'],
    ['output', 'src'],
  ]);
  remove();
});

test('drops links to /proc/self/root and loops; keeps dangling ones that cannot climb', async () => {
  // In this order the extractor, which refuses a target through a link that exists already, writes all.
  const { outcome, dest, remove } = await unpackInto([
    { name: 'src', type: 'dir', mode: 0o755 },
    { name: 'src/root', type: 'symlink', linkname: '/proc/self/root' },
    { name: 'src/l1', type: 'symlink', linkname: 'l2' },
    { name: 'src/l2', type: 'symlink', linkname: 'd/l1' },
    { name: 'src/d', type: 'symlink', linkname: '.' },
    { name: 'src/later', type: 'symlink', linkname: 'not/yet' },
  ]);
  for (const gone of ['root', 'l1', 'l2'])
    assert.equal(lstatSync(join(dest, 'src', gone), { throwIfNoEntry: false }), undefined, gone);
  assert.equal(readlinkSync(join(dest, 'src/d')), '.');
  assert.equal(readlinkSync(join(dest, 'src/later')), 'not/yet');
  assert.deepEqual(outcome.dropped.map((v) => v.detail.split(':')[0]).sort(), [
    'src/l1',
    'src/l2',
    'src/root',
  ]);
  remove();
});

test('a hard link through a chain of symlinks never links a host file in', async () => {
  const { dest, remove } = await unpackInto([
    ...ladder,
    { name: 'd', type: 'symlink', linkname: `${deep}/l2/${up(20)}etc` },
    { name: 'h', type: 'hardlink', linkname: 'd/passwd' },
  ]);
  assert.equal(existsSync(join(dest, 'h')), false);
  assert.equal(existsSync(join(dest, 'd')), false);
  remove();
});

test('with keep, writes only what it accepts, yet checks and counts everything', async () => {
  const { outcome, dest, remove } = await unpackInto(
    [
      { name: 'src/obj/big.o', type: 'file', size: 600 },
      { name: 'src/escape', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'src/bin/app', type: 'file', content: 'app' },
      { name: 'src/late.o', type: 'file', size: 600 },
    ],
    1000,
    (p) => p.startsWith('src/bin/'),
  );
  assert.equal(readFileSync(join(dest, 'src/bin/app'), 'utf8'), 'app');
  assert.equal(existsSync(join(dest, 'src/obj/big.o')), false);
  assert.match(outcome.dropped[0]?.detail ?? '', /src\/escape: symlink to \/etc\/shadow/);
  assert.equal(outcome.overLimit, true, 'skipped files still count against the disk limit');
  remove();
});

test('with keep, a kept hard link to a skipped file is written whole', async () => {
  const { dest, remove } = await unpackInto(
    [
      { name: 'src/build/app', type: 'file', content: 'the binary' },
      { name: 'src/dist/app', type: 'hardlink', linkname: 'src/build/app' },
    ],
    1 << 20,
    (p) => p.startsWith('src/dist/'),
  );
  assert.equal(readFileSync(join(dest, 'src/dist/app'), 'utf8'), 'the binary');
  remove();
});

test('with keep, a name given twice cannot smuggle its refused twin in', async () => {
  const { outcome, dest, remove } = await unpackInto(
    [
      { name: 'src/a', type: 'symlink', linkname: '/etc' },
      { name: 'src/a', type: 'file', content: 'plain' },
      { name: 'src/dist/a', type: 'hardlink', linkname: 'src/a' },
    ],
    1 << 20,
    (p) => p.startsWith('src/dist/'),
  );
  assert.equal(outcome.dropped.length, 1);
  assert.equal(lstatSync(join(dest, 'src/a')).isSymbolicLink(), false);
  assert.equal(readFileSync(join(dest, 'src/dist/a'), 'utf8'), 'plain');
  remove();
});

test('with keep, past maxKept accepted entries it writes no more, and says so', async () => {
  const files = ['a', 'b', 'c'].map((n) => ({
    name: `src/out/${n}`,
    type: 'file' as const,
    content: n,
    mode: 0o644,
  }));
  const entries = [
    { name: 'src', type: 'dir' as const, mode: 0o755 },
    { name: 'src/out', type: 'dir' as const, mode: 0o755 },
    { name: 'src/other', type: 'file' as const, content: 'not kept', mode: 0o644 },
    ...files,
  ];
  const keep = (p: string): boolean => p.startsWith('src/out/');
  const atCap = await unpackInto(entries, 1 << 20, keep, 3);
  assert.equal(atCap.outcome.keptOver, false);
  assert.equal(readFileSync(join(atCap.dest, 'src/out/c'), 'utf8'), 'c');
  atCap.remove();
  const over = await unpackInto(entries, 1 << 20, keep, 2);
  assert.equal(over.outcome.keptOver, true);
  assert.equal(existsSync(join(over.dest, 'src/out/b')), true);
  assert.equal(existsSync(join(over.dest, 'src/out/c')), false);
  over.remove();
});

test.run();
