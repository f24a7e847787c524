// One real build in each tier, through the CLI on the Node.js running this file: .ci/run runs it
// on the machine's Node.js and again on Node.js 22 and 24.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { DRIVER_NAMES } from '../../src/spec/types.js';
import { contractor } from '../helpers/cli.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { tempDir } from '../helpers/tmp.js';

await testWorkerImage();

for (const driver of DRIVER_NAMES) {
  test(`contractor build runs a job in the ${driver} tier on Node.js ${process.versions.node}`, async () => {
    const home = tempDir('contractor-each-home-');
    const dir = tempDir('contractor-each-');
    try {
      writeFileSync(
        join(dir.path, 'spec.yaml'),
        `source: .\nbuild: |\n  echo built-in-${driver} > out.txt\nartifacts:\n  - out.txt\n`,
      );
      const r = await contractor(
        dir.path,
        ['build', '--driver', driver, '--out', 'out', 'spec.yaml'],
        { CONTRACTOR_HOME: home.path, CONTRACTOR_IMAGES: process.env.CONTRACTOR_IMAGES ?? '' },
      );
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const out = readFileSync(join(dir.path, 'out/artifacts/out.txt'), 'utf8');
      assert.equal(out.trim(), `built-in-${driver}`);
    } finally {
      [home, dir].forEach((d) => d.remove());
    }
  });
}

test.run();
