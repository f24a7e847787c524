// The container filter when its engine is gone: each call fails with a message, the filter stays up.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'uvu';
import { ContainerFilter } from '../../src/worker/containers/container-filter.js';
import { tempDir } from '../helpers/tmp.js';

function call(
  socketPath: string,
  method: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a call naming an object while the engine is unreachable fails, and the filter keeps serving', async () => {
  const dir = tempDir('contractor-filter-down-');
  const filter = new ContainerFilter({
    engineSocket: join(dir.path, 'no-engine.sock'),
    workspace: dir.path,
    phase: () => 'build',
    onViolation: () => undefined,
  });
  const socket = join(dir.path, 'docker.sock');
  await filter.listen(socket);
  try {
    // Not the job's: the filter asks the engine whether it exists, and the engine is not there.
    const inspect = await call(socket, 'GET', '/v1.41/containers/someone/json');
    assert.equal(inspect.status, 500);
    assert.match(JSON.parse(inspect.body).message, /did not answer/);
    const list = await call(socket, 'GET', '/v1.41/containers/json');
    assert.equal(list.status, 500, 'the filter is still up after the first failure');
  } finally {
    await filter.close();
    dir.remove();
  }
});

test.run();
