// actions/run's install.sh on a restored cache: it reuses node_modules and dist only when both
// carry the key of this lockfile, these sources and this Node.js, and builds again otherwise. npm is
// a stand-in that logs its calls (npm ci links the real better-sqlite3, so the load check is real).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/tmp.js';

const ACTION_DIR = join(process.cwd(), 'actions', 'run');
const SQLITE = join(process.cwd(), 'node_modules', 'better-sqlite3');

interface Checkout {
  root: string;
  install: (env?: Record<string, string>) => { code: number; out: string; npm: string[] };
  key: (env?: Record<string, string>) => string;
  remove: () => void;
}

/** The action's repository as a runner checks it out: its scripts, a lockfile, no build yet. */
function checkout(): Checkout {
  const t = tempDir('contractor-build-cache-');
  const root = join(t.path, 'contractor');
  const actionPath = join(root, 'actions', 'run');
  const bin = join(t.path, 'bin');
  const log = join(t.path, 'npm.log');
  mkdirSync(actionPath, { recursive: true });
  mkdirSync(bin);
  for (const f of ['install.sh', 'build-key.sh'])
    copyFileSync(join(ACTION_DIR, f), join(actionPath, f));
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  writeFileSync(
    join(bin, 'npm'),
    `#!/bin/sh
echo "$*" >> ${log}
case "$1" in
  ci) rm -rf node_modules && mkdir node_modules && ln -s ${SQLITE} node_modules/better-sqlite3 ;;
  run) [ -z "$FAIL_BUILD" ] || exit 1; mkdir -p dist/src/cli && echo built > dist/src/cli/main.js ;;
esac
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...process.env,
    ...extra,
    // The stand-in npm first, whatever else a case puts on PATH.
    PATH: `${bin}:${extra.PATH ?? process.env.PATH ?? ''}`,
    GITHUB_ACTION_PATH: actionPath,
  });
  return {
    root,
    install: (extra = {}) => {
      rmSync(log, { force: true });
      const r = spawnSync('bash', [join(actionPath, 'install.sh')], {
        env: env(extra),
        encoding: 'utf8',
      });
      let npm: string[] = [];
      try {
        npm = readFileSync(log, 'utf8').trim().split('\n');
      } catch {
        // npm was not called
      }
      return { code: r.status ?? -1, out: r.stdout + r.stderr, npm };
    },
    key: (extra = {}) =>
      spawnSync('bash', [join(actionPath, 'build-key.sh')], {
        env: env(extra),
        encoding: 'utf8',
      }).stdout.trim(),
    remove: t.remove,
  };
}

/** A `node` that says it is another version when asked, and is the real one otherwise. */
function otherNode(version: string): { env: Record<string, string>; remove: () => void } {
  const t = tempDir('contractor-other-node-');
  writeFileSync(
    join(t.path, 'node'),
    `#!/bin/sh\nif [ "$*" = "-p process.version" ]; then echo ${version}; exit 0; fi\nexec ${process.execPath} "$@"\n`,
  );
  chmodSync(join(t.path, 'node'), 0o755);
  return { env: { PATH: `${t.path}:${process.env.PATH ?? ''}` }, remove: t.remove };
}

test('a fresh checkout is built once, and its cached build is reused', () => {
  const c = checkout();
  try {
    const first = c.install();
    assert.is(first.code, 0, first.out);
    assert.equal(first.npm, ['ci --no-fund --no-audit --loglevel=error', 'run --silent build']);
    assert.match(first.out, /contractor: building contractor-build-/);
    const key = c.key();
    assert.is(readFileSync(join(c.root, 'dist/.contractor-build-key'), 'utf8').trim(), key);
    assert.is(readFileSync(join(c.root, 'node_modules/.contractor-build-key'), 'utf8').trim(), key);
    const second = c.install();
    assert.is(second.code, 0, second.out);
    assert.equal(second.npm, [], 'nothing rebuilt');
    assert.match(
      second.out,
      new RegExp(`contractor: reusing the build ${key.replace(/\./g, '\\.')}`),
    );
  } finally {
    c.remove();
  }
});

test('a half restore is never trusted: a missing stamp or CLI means a new build', () => {
  const c = checkout();
  try {
    assert.is(c.install().code, 0);
    rmSync(join(c.root, 'node_modules'), { recursive: true });
    const noModules = c.install();
    assert.is(noModules.code, 0, noModules.out);
    assert.is(noModules.npm.length, 2, 'node_modules missing: rebuilt');
    rmSync(join(c.root, 'dist/src/cli/main.js'));
    const noCli = c.install();
    assert.is(noCli.npm.length, 2, 'CLI missing though both stamps are there: rebuilt');
  } finally {
    c.remove();
  }
});

test('a build for another Node.js version has another key and is built again', () => {
  const c = checkout();
  const node = otherNode('v22.11.0');
  try {
    assert.is(c.install().code, 0);
    const key = c.key(node.env);
    assert.match(key, /-node-v22\.11\.0-/);
    assert.is.not(key, c.key());
    const r = c.install(node.env);
    assert.is(r.code, 0, r.out);
    assert.is(r.npm.length, 2, 'better-sqlite3 built for another ABI is not reused');
    assert.is(readFileSync(join(c.root, 'dist/.contractor-build-key'), 'utf8').trim(), key);
  } finally {
    node.remove();
    c.remove();
  }
});

test('another lockfile or source is another key', () => {
  const c = checkout();
  try {
    const before = c.key();
    writeFileSync(join(c.root, 'package-lock.json'), '{"lockfileVersion": 3, "x": 1}\n');
    const lock = c.key();
    assert.is.not(lock, before);
    mkdirSync(join(c.root, 'src'));
    writeFileSync(join(c.root, 'src', 'a.ts'), 'export {};\n');
    assert.is.not(c.key(), lock);
    // What the build writes is not what it was built from.
    mkdirSync(join(c.root, 'dist'));
    writeFileSync(join(c.root, 'dist', 'x.js'), '');
    assert.is(c.key(), c.key());
  } finally {
    c.remove();
  }
});

test('a failed build leaves no stamp, so the next job builds again', () => {
  const c = checkout();
  try {
    const failed = c.install({ FAIL_BUILD: '1' });
    assert.is.not(failed.code, 0);
    assert.is(spawnSync('test', ['-e', join(c.root, 'dist/.contractor-build-key')]).status, 1);
    const next = c.install();
    assert.is(next.code, 0, next.out);
    assert.is(next.npm.length, 2);
  } finally {
    c.remove();
  }
});

test.run();
