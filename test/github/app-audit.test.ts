// The App builds other people's code: it never runs an --audit job, whatever reaches its executor.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { appExecutor } from '../../src/github/app-executor.js';
import { jobRequest } from '../helpers/in-process-manager.js';
import { tempDir } from '../helpers/tmp.js';

test('the App refuses an --audit job before any worker starts', async () => {
  const out = tempDir();
  try {
    const { execute } = await appExecutor(undefined);
    await assert.rejects(
      execute({ ...jobRequest(join(out.path, 'run')), audit: true }),
      /the GitHub App does not run --audit jobs/,
    );
    // Refused before the job began: no output directory, no log, no result.
    assert.equal(existsSync(join(out.path, 'run')), false);
  } finally {
    out.remove();
  }
});

test.run();
