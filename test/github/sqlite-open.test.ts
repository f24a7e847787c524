// better-sqlite3 is native: the App's queue opens on each Node.js it runs under (a build per
// version in dist/native/), and a build for another version says which version to rebuild for.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import { installPath } from '../../src/install-root.js';
import { SqliteJobStore } from '../../src/github/sqlite-job-store.js';
import {
  NativeModuleMismatchError,
  nativeMismatch,
  openSqlite,
  perVersionBinding,
} from '../../src/github/sqlite-open.js';

const ABI = process.versions.modules;
const MAJOR = process.versions.node.split('.')[0];

/** A better-sqlite3 build for another Node.js: one kept in dist/native/, or node_modules' own when ours is kept there. */
function otherBuild(): string | undefined {
  const native = installPath('dist', 'native');
  const kept = existsSync(native) ? readdirSync(native).filter((d) => d !== `node-v${ABI}`) : [];
  if (kept[0]) return join(native, kept[0], 'better_sqlite3.node');
  if (!perVersionBinding()) return undefined;
  const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  return join(dirname(pkg), 'build/Release/better_sqlite3.node');
}

test(`the App's job queue opens on Node.js ${process.versions.node}`, () => {
  assert.doesNotThrow(() => new SqliteJobStore(':memory:'));
});

test("node's words for another version's build become which version to rebuild for", () => {
  // Node 22's words, loading a build for Node 20.
  const said =
    "The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\n" +
    'NODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127. Please try re-compiling';
  const err = nativeMismatch(new Error(said));
  assert.ok(err instanceof NativeModuleMismatchError);
  assert.equal(err.code, 'INFRASTRUCTURE');
  assert.match(err.message, /built for Node\.js 20 \(NODE_MODULE_VERSION 115\)/);
  assert.match(err.message, new RegExp(`rebuild it for Node\\.js ${MAJOR}`));
  assert.equal(
    nativeMismatch(new Error('SQLITE_CANTOPEN: unable to open database file')),
    undefined,
  );
});

// .ci/run builds one for Node.js 22 and 24 before the suite runs; a lone checkout may have none.
const other = otherBuild();
if (other)
  test('a build for another Node.js is refused with the version to rebuild for', () => {
    assert.throws(
      () => openSqlite(':memory:', other),
      (e: unknown) =>
        e instanceof NativeModuleMismatchError &&
        e.message.includes(`rebuild it for Node.js ${MAJOR}`) &&
        !/undefined/.test(e.message),
    );
  });

test.run();
