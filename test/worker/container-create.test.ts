// A container create request as the filter rebuilds it, before any engine sees it.
import assert from 'node:assert/strict';
import { test } from 'uvu';
import { rebuildContainerCreate } from '../../src/worker/containers/container-create.js';
import { ContainerRefusal } from '../../src/worker/containers/container-refusal.js';
import { publishOnLoopback, type CreateContext } from '../../src/worker/containers/host-config.js';
import { JobObjects } from '../../src/worker/containers/job-objects.js';
import type { JsonObject } from '../../src/worker/containers/json-value.js';

const context = (): CreateContext => ({
  workspace: '/tmp',
  objects: new JobObjects(),
  defaultNetworkMode: 'none',
  newVolumes: new Set(),
});

const refusal = (field: string) => (e: unknown) =>
  e instanceof ContainerRefusal && e.field === field;

test('ports are published on loopback only, -P included', () => {
  const ctx = context();
  const body = rebuildContainerCreate(
    {
      Image: 'app',
      ExposedPorts: { '5432/tcp': {} },
      HostConfig: {
        PublishAllPorts: true,
        PortBindings: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
      },
    },
    ctx,
  );
  const hc = body.HostConfig as JsonObject;
  assert.deepEqual(hc.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
  assert.equal(ctx.publishAll, true);
  assert.equal(hc.PublishAllPorts, undefined, 'not passed until its ports are bound on loopback');
  publishOnLoopback(hc, ['5432/tcp', '80/tcp']);
  assert.deepEqual(hc.PortBindings, {
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
  });
  assert.equal(hc.PublishAllPorts, false);
});

test('an empty MaskedPaths is refused: it unmasks everything rather than nothing', () => {
  assert.throws(
    () => rebuildContainerCreate({ Image: 'app', HostConfig: { MaskedPaths: [] } }, context()),
    refusal('HostConfig.MaskedPaths'),
  );
});

test('a setting the filter does not know is refused by name when set, dropped when unset', () => {
  const body = rebuildContainerCreate(
    { Image: 'app', HostConfig: { OomKillDisable: false, ConsoleSize: [0, 0] }, Unknown: null },
    context(),
  );
  assert.deepEqual(Object.keys(body.HostConfig as JsonObject).sort(), [
    'ConsoleSize',
    'NetworkMode',
  ]);
  assert.throws(
    () => rebuildContainerCreate({ Image: 'app', HostConfig: { OomKillDisable: true } }, context()),
    refusal('HostConfig.OomKillDisable'),
  );
  assert.throws(
    () => rebuildContainerCreate({ Image: 'app', Platform: 'x' }, context()),
    refusal('Platform'),
  );
});

test('the default and bridge networks become the operator’s default', () => {
  for (const mode of [undefined, '', 'default', 'bridge']) {
    const body = rebuildContainerCreate(
      { Image: 'app', HostConfig: { NetworkMode: mode } },
      context(),
    );
    assert.equal((body.HostConfig as JsonObject).NetworkMode, 'none');
  }
});

test('a bind without a target is refused rather than left for the engine to read', () => {
  assert.throws(
    () => rebuildContainerCreate({ Image: 'app', HostConfig: { Binds: ['/etc'] } }, context()),
    refusal('HostConfig.Binds /etc'),
  );
});

test.run();
