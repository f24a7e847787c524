// `contractor build SPEC` with a workspace that saving would let reach past itself: refused, and
// nothing built, before the source is read.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('a workspace holding the source, or reached through a link, is refused', async () => {
  const home = tempDir('contractor-build-home-');
  const dir = tempDir('contractor-build-ws-');
  const outside = tempDir('contractor-build-outside-');
  try {
    mkdirSync(join(dir.path, 'app/sub'), { recursive: true });
    writeFileSync(join(dir.path, 'app/sub/main.c'), 'int main(void) { return 0; }\n');
    writeFileSync(join(outside.path, 'keep'), 'the user’s\n');
    symlinkSync(outside.path, join(dir.path, 'cache'));
    // Approved by the user's policy: only then is the workspace in the work tree at all.
    writeFileSync(join(home.path, 'policy.yaml'), 'workspaces: [app, cache]\n');
    const cases: [string, RegExp][] = [
      ['source: app/sub\nworkspace: app\n', /workspace "app" holds the source directory/],
      ['source: app\nworkspace: cache\n', /workspace "cache": cache is a symbolic link/],
    ];
    for (const [i, [head, said]] of cases.entries()) {
      const spec = join(dir.path, `spec${i}.yaml`);
      writeFileSync(spec, `${head}build: rm -rf /workspace/* && echo wiped\n`);
      const r = await contractor(dir.path, ['build', spec], { CONTRACTOR_HOME: home.path });
      assert.equal(r.exitCode, 2, r.stdout + r.stderr);
      assert.match(r.stderr, said);
      assert.doesNotMatch(r.stdout, /wiped/);
    }
    assert.equal(readFileSync(join(outside.path, 'keep'), 'utf8'), 'the user’s\n');
    assert.ok(existsSync(join(dir.path, 'app/sub/main.c')));
  } finally {
    [home, dir, outside].forEach((d) => d.remove());
  }
});

test.run();
