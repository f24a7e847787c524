// bin/'s code cache: kept only where this user alone can write, used when it fits, never trusted
// when it does not. Runs the real CLI, as the bundle is what it caches.
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dirs: ReturnType<typeof tempDir>[] = [];
test.after(() => dirs.forEach((d) => d.remove()));

function cacheHome(): string {
  const d = tempDir('contractor-xdg-');
  dirs.push(d);
  return d.path;
}

async function version(xdg: string): Promise<void> {
  const r = await contractor(xdg, ['--version'], { XDG_CACHE_HOME: xdg, HOME: xdg });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
}

const cacheFiles = (xdg: string): string[] =>
  existsSync(join(xdg, 'contractor')) ? readdirSync(join(xdg, 'contractor')) : [];

test('the CLI runs from its bundle, which is what the cache is for', () => {
  assert.ok(
    existsSync(new URL('../../bundle/main.cjs', import.meta.url)),
    'npm run build makes it',
  );
});

test('the first run writes a private cache; the next uses it and leaves it be', async () => {
  const xdg = cacheHome();
  await version(xdg);
  const [file, ...more] = cacheFiles(xdg);
  assert.ok(file && more.length === 0, `cache files: ${cacheFiles(xdg).join(', ')}`);
  assert.match(file, /^main-help-[0-9a-f]{16}-[0-9a-f]{16}\.v8cache$/);
  assert.equal(statSync(join(xdg, 'contractor')).mode & 0o777, 0o700);
  const path = join(xdg, 'contractor', file);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const written = statSync(path).mtimeMs;
  await version(xdg);
  assert.equal(statSync(path).mtimeMs, written, 'an accepted cache was written again');
});

test("a new build's cache replaces the old build's, and only that install's", async () => {
  const xdg = cacheHome();
  await version(xdg);
  const [current] = cacheFiles(xdg);
  assert.ok(current);
  // What an earlier build of this install, and some other install, would have left.
  const family = current.replace(/[0-9a-f]{16}\.v8cache$/, '');
  const older = `${family}0000000000000000.v8cache`;
  const otherInstall = 'main-help-1111111111111111-0000000000000000.v8cache';
  for (const name of [older, otherInstall])
    writeFileSync(join(xdg, 'contractor', name), 'old', { mode: 0o600 });
  rmSync(join(xdg, 'contractor', current)); // as if this build had not run yet
  await version(xdg);
  assert.deepEqual(cacheFiles(xdg).sort(), [current, otherInstall].sort());
});

test('a cache V8 refuses is replaced, and the command still runs', async () => {
  const xdg = cacheHome();
  await version(xdg);
  const path = join(xdg, 'contractor', cacheFiles(xdg)[0] as string);
  writeFileSync(path, Buffer.alloc(4096, 7)); // what a torn or foreign file would look like
  await version(xdg);
  assert.notEqual(statSync(path).size, 4096, 'the refused cache was kept');
});

test('a cache directory others can write is neither read nor written', async () => {
  const xdg = cacheHome();
  mkdirSync(join(xdg, 'contractor'));
  chmodSync(join(xdg, 'contractor'), 0o777);
  await version(xdg);
  assert.deepEqual(cacheFiles(xdg), []);
});

test('a command line names a cache only by a command name', async () => {
  const xdg = cacheHome();
  const r = await contractor(xdg, ['../../x', '--nope'], { XDG_CACHE_HOME: xdg, HOME: xdg });
  assert.notEqual(r.exitCode, 0);
  assert.deepEqual(
    cacheFiles(xdg).map((f) => f.replace(/-[0-9a-f]{16}-[0-9a-f]{16}\.v8cache$/, '')),
    ['main-other'],
  );
});

test.run();
