// `contractor build SPEC`: the spec's `source` is the attacker's, so it stays under the spec's
// directory by the workspace's rules; refused, and nothing built, before anything is read.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('a source that climbs out, is absolute, or goes through a link is refused', async () => {
  const home = tempDir('contractor-source-home-');
  const outside = tempDir('contractor-source-outside-');
  const dir = tempDir('contractor-source-');
  try {
    // The spec sits deep enough that ../../.. reaches the outside directory's parent.
    const specDir = join(dir.path, 'a/b/c');
    mkdirSync(specDir, { recursive: true });
    writeFileSync(join(outside.path, 'secret'), 'the user’s secret\n');
    symlinkSync(outside.path, join(specDir, 'linked'));
    const name = outside.path.split('/').pop() as string;
    const cases: [string, RegExp][] = [
      [`../../../../${name}`, /source: "\.\.\/\.\.\/\.\.\/\.\.\/[^"]+" is not valid here/],
      [outside.path, /source: "\/[^"]+" is not valid here/],
      [
        'linked',
        /source "linked": linked is a symbolic link \(to \/[^)]+\); a source must be a real directory/,
      ],
      ['missing', /source "missing": missing does not exist/],
    ];
    for (const [i, [source, said]] of cases.entries()) {
      const spec = join(specDir, `spec${i}.yaml`);
      writeFileSync(spec, `source: ${JSON.stringify(source)}\nbuild: cat secret; echo built\n`);
      const r = await contractor(specDir, ['build', spec], { CONTRACTOR_HOME: home.path });
      assert.equal(r.exitCode, 2, r.stdout + r.stderr);
      assert.match(r.stderr, said);
      assert.doesNotMatch(r.stdout, /built|secret/);
    }
  } finally {
    [home, outside, dir].forEach((d) => d.remove());
  }
});

test('a source inside the spec directory still builds', async () => {
  const home = tempDir('contractor-source-home-');
  const dir = tempDir('contractor-source-');
  try {
    mkdirSync(join(dir.path, 'app'));
    writeFileSync(join(dir.path, 'app/file'), 'inside\n');
    writeFileSync(join(dir.path, 'spec.yaml'), 'source: ./app\nbuild: cat file\n');
    const r = await contractor(dir.path, ['build', 'spec.yaml'], { CONTRACTOR_HOME: home.path });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /inside/);
  } finally {
    [home, dir].forEach((d) => d.remove());
  }
});

test.run();
