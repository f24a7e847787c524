// The resolver judges a link by where the kernel would take it, with hostile trees beside friendly ones.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { resolveBeneath, TreeLookups } from '../../src/manager/resolve-beneath.js';
import { tempDir } from '../helpers/tmp.js';

/** A tree under a fresh directory: values are file contents, or '->target' for a symlink. */
function tree(entries: Record<string, string>) {
  const t = tempDir();
  const root = join(t.path, 'root');
  mkdirSync(root);
  for (const [rel, v] of Object.entries(entries)) {
    const at = join(root, rel);
    mkdirSync(join(at, '..'), { recursive: true });
    if (v.startsWith('->')) symlinkSync(v.slice(2), at);
    else writeFileSync(at, v);
  }
  const resolve = (rel: string) => resolveBeneath(new TreeLookups(root), rel);
  return { root, resolve, remove: t.remove };
}

const deep = Array.from({ length: 19 }, (_, i) => `a${i + 1}`).join('/');
const up = (n: number): string => '../'.repeat(n);

test('a chain whose every text stays inside, but whose resolution leaves, leaves', () => {
  // l2 leads back to the root; src's text cancels l2/.. as if l2 were a directory, the kernel does not.
  const t = tree({
    [`${deep}/l2`]: `->${up(19)}`,
    src: `->${deep}/l2/${up(20)}etc/passwd`,
  });
  // The fixture is a real attack: the kernel reads the host's file through it.
  assert.equal(readFileSync(join(t.root, 'src'), 'utf8'), readFileSync('/etc/passwd', 'utf8'));
  assert.equal(t.resolve(`${deep}/l2`).inside, true);
  const r = t.resolve('src');
  assert.equal(r.inside, false);
  assert.match(r.inside ? '' : r.why, /climbs above/);
  t.remove();
});

test('absolute targets leave, /proc/self/root and the host root among them', () => {
  const t = tree({ p: '->/proc/self/root', s: '->/etc/shadow', r: '->/', q: '->p/etc' });
  for (const rel of ['p', 's', 'r', 'q']) assert.equal(t.resolve(rel).inside, false, rel);
  t.remove();
});

test('a link to a directory outside, and a src that is itself such a link, leave', () => {
  const t = tree({ 'x/out': '->../../..', src: '->x/out/home' });
  assert.equal(t.resolve('x/out').inside, false);
  assert.equal(t.resolve('src').inside, false);
  assert.equal(t.resolve('src/anything/below').inside, false);
  t.remove();
});

test('loops leave, as ELOOP; 40 links deep is the kernel limit', () => {
  const t = tree({ a: '->b', b: '->a', self: '->self', ...chain(41) });
  assert.equal(t.resolve('a').inside, false);
  assert.equal(t.resolve('self').inside, false);
  assert.deepEqual(t.resolve('c1'), { inside: true, path: 'end', missing: false });
  assert.equal(t.resolve('c0').inside, false);
  t.remove();
});

/** c0 -> c1 -> … -> c{n-1} -> end: from c0 that is n links. */
function chain(n: number): Record<string, string> {
  const links = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`c${i}`, `->${i + 1 < n ? `c${i + 1}` : 'end'}`]),
  );
  return { ...links, end: 'the end' };
}

test('a dangling link is kept unless what is left of it climbs', () => {
  const t = tree({ 'src/d': '->missing/file', 'src/up': `->missing/${up(3)}etc`, f: 'x' });
  assert.deepEqual(t.resolve('src/d'), { inside: true, path: 'src/missing', missing: true });
  assert.equal(t.resolve('src/up').inside, false);
  t.remove();
});

test('links that stay inside resolve to where they lead, through other links too', () => {
  const t = tree({
    'cache/obj/x.o': 'o',
    'src/build': '->../cache',
    'src/x': '->build/obj/x.o',
    'src/sub/back': '->../../src/x',
  });
  assert.deepEqual(t.resolve('src/sub/back'), {
    inside: true,
    path: 'cache/obj/x.o',
    missing: false,
  });
  assert.deepEqual(t.resolve('src/build'), { inside: true, path: 'cache', missing: false });
  t.remove();
});

test.run();
