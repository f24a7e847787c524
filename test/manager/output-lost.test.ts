// A job whose phases pass but whose workspace does not come back whole is an error that names the
// artifacts lost, never a pass with them silently missing (issue 23, item 6).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import type { Driver } from '../../src/worker/driver.js';
import { NamespaceDriver } from '../../src/worker/namespace/namespace-driver.js';
import { tempDir } from '../helpers/tmp.js';
import { buildProject } from '../worker/real-project.js';

const SPEC = 'build: sh make.sh\nartifacts: [lib.a, "docs/**"]\n';

/** The real namespace driver, told to write its workspace tar where no file can be made. */
function unwritableOutput(inner: Driver): Driver {
  return {
    name: inner.name,
    probe: () => inner.probe(),
    run: (job) => inner.run({ ...job, outputTar: join(job.outputTar, 'missing-dir', 'out.tar') }),
  };
}

function source(script: string): { path: string; remove: () => void } {
  const dir = tempDir('contractor-lost-src-');
  writeFileSync(join(dir.path, 'make.sh'), script);
  return dir;
}

test('a workspace tar that cannot be written is an error naming the artifacts it lost', async () => {
  const src = source('echo built > lib.a\n');
  try {
    const { result } = await buildProject(unwritableOutput(new NamespaceDriver()), src.path, SPEC);
    assert.equal(result.status, 'error', result.summary);
    assert.deepEqual(result.lostArtifacts, ['lib.a', 'docs/**']);
    assert.deepEqual(result.artifacts, []);
    assert.match(result.summary, /lib\.a, docs\/\*\*/);
    assert.match(result.summary, /could not be written/);
  } finally {
    src.remove();
  }
});

test('a failed build that returns no workspace is reported failed, with nothing said lost', async () => {
  const src = source('echo built > lib.a\nexit 3\n');
  try {
    const { result } = await buildProject(new NamespaceDriver(), src.path, SPEC);
    assert.equal(result.status, 'failed', result.summary);
    assert.equal(result.lostArtifacts, undefined);
  } finally {
    src.remove();
  }
});

test.run();
