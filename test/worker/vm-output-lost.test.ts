// The vm tier never drops its workspace silently: when the guest cannot write the archive onto the
// output disk, the job is an error naming the artifacts lost and tar's reason (issue 23, item 6).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { tempDir } from '../helpers/tmp.js';
import { buildProject } from './real-project.js';

await testWorkerImage();

test('an archive too big for the output disk (a sparse file) is an error naming the lost artifact', async () => {
  const src = tempDir('contractor-vm-lost-');
  // 8 GiB apparent, no blocks used: within the disk limit, but tar writes it out whole.
  writeFileSync(join(src.path, 'make.sh'), 'echo built > lib.a\ntruncate -s 8G sparse.bin\n');
  try {
    const { result, log } = await buildProject(
      new VmDriver(),
      src.path,
      'build: sh make.sh\nartifacts: [lib.a]\n',
    );
    assert.equal(result.status, 'error', `${result.summary}\n${log}`);
    assert.deepEqual(result.lostArtifacts, ['lib.a']);
    assert.match(result.summary, /lib\.a/);
    assert.match(result.summary, /tar: .*Wrote only/, "tar's own reason is named");
  } finally {
    src.remove();
  }
});

test.run();
