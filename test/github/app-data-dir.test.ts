// The data directory holds payloads, logs and artifacts of private repositories: 0700, always.
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareDataDir } from '../../src/github/data-dir.js';
import { startHarness } from '../helpers/app-harness.js';
import { tempDir } from '../helpers/tmp.js';

const modeOf = (dir: string) => statSync(dir).mode & 0o777;

test('the App creates its data directory 0700, whatever the umask', async () => {
  const umask = process.umask(0o022);
  try {
    const h = await startHarness();
    try {
      assert.is(modeOf(h.dataDir).toString(8), '700');
    } finally {
      await h.close();
    }
  } finally {
    process.umask(umask);
  }
});

test('an existing data directory open to others is tightened to 0700, and the operator told', async () => {
  const tmp = tempDir('contractor-data-dir-');
  try {
    const dir = join(tmp.path, 'app');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const logs: string[] = [];
    await prepareDataDir(dir, (l) => logs.push(l));
    assert.is(modeOf(dir).toString(8), '700');
    assert.match(logs.join('\n'), /was mode 755: tightened to 700/);
  } finally {
    tmp.remove();
  }
});

test('a data directory owned by another user is refused: its owner could still read it', async () => {
  const tmp = tempDir('contractor-data-dir-');
  try {
    const dir = join(tmp.path, 'app');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    await prepareDataDir(dir, () => undefined).then(
      () => assert.unreachable('accepted a directory of uid 65534'),
      (err: Error) => assert.match(err.message, /belongs to uid 65534/),
    );
  } finally {
    tmp.remove();
  }
});

test.run();
