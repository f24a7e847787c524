// Network and volume create requests rebuilt: the engine's own local drivers, no options that reach the host.
import { ContainerRefusal } from './container-refusal.js';
import { isObject, isUnset, type JsonObject } from './json-value.js';

function driver(kind: string, value: unknown, local: 'bridge' | 'local'): string {
  const d = typeof value === 'string' ? value : '';
  if (d !== '' && d !== local)
    throw new ContainerRefusal(`${kind}.Driver ${d}`, `only the ${local} driver is passed`);
  return local;
}

function noOptions(field: string, value: unknown, why: string): void {
  if (!isUnset(value)) throw new ContainerRefusal(field, why);
}

function name(kind: string, value: unknown): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value))
    throw new ContainerRefusal(`${kind}.Name`, 'is not a plain name', 400);
  return value;
}

/** A bridge network of the job's own: no driver options (a parent interface, a host bridge name). */
export function rebuildNetworkCreate(body: unknown): JsonObject {
  if (!isObject(body)) throw new ContainerRefusal('body', 'is not a JSON object', 400);
  noOptions('Network.Options', body.Options, 'driver options can attach the network to the host');
  noOptions(
    'Network.ConfigFrom',
    body.ConfigFrom,
    'networks are made only from their own settings',
  );
  const net: JsonObject = {
    Name: name('Network', body.Name),
    Driver: driver('Network', body.Driver, 'bridge'),
    Internal: body.Internal === true,
    Attachable: body.Attachable === true,
    EnableIPv6: body.EnableIPv6 === true,
    CheckDuplicate: true,
  };
  if (isObject(body.Labels)) net.Labels = body.Labels;
  if (isObject(body.IPAM)) net.IPAM = { Driver: 'default', Config: body.IPAM.Config ?? [] };
  return net;
}

/** A local volume with no driver options (`type=none,o=bind,device=/` would bind any host path). */
export function rebuildVolumeCreate(body: unknown): JsonObject {
  if (!isObject(body)) throw new ContainerRefusal('body', 'is not a JSON object', 400);
  noOptions('Volume.DriverOpts', body.DriverOpts, 'local driver options can bind a host path');
  const vol: JsonObject = {
    Name: name('Volume', body.Name),
    Driver: driver('Volume', body.Driver, 'local'),
  };
  if (isObject(body.Labels)) vol.Labels = body.Labels;
  return vol;
}
