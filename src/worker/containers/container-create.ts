// A container create request rebuilt from the fields a build needs, so nothing unread reaches the engine.
import { ContainerRefusal } from './container-refusal.js';
import { rebuildHostConfig, type CreateContext } from './host-config.js';
import { isIdReference } from './job-objects.js';
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { UnownedReference } from './unowned-reference.js';

/** The container's own configuration: what runs, as whom inside it, with which labels and ports. */
const PASSED = [
  'Hostname',
  'Domainname',
  'User',
  'AttachStdin',
  'AttachStdout',
  'AttachStderr',
  'ExposedPorts',
  'Tty',
  'OpenStdin',
  'StdinOnce',
  'Env',
  'Cmd',
  'Healthcheck',
  'ArgsEscaped',
  'Volumes',
  'WorkingDir',
  'Entrypoint',
  'NetworkDisabled',
  'Labels',
  'StopSignal',
  'StopTimeout',
  'Shell',
] as const;

export function rebuildContainerCreate(body: unknown, ctx: CreateContext): JsonObject {
  if (!isObject(body)) throw new ContainerRefusal('body', 'is not a JSON object', 400);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if ((PASSED as readonly string[]).includes(key)) out[key] = value;
    else if (key === 'Image') out[key] = image(value, ctx);
    else if (key === 'HostConfig') out[key] = rebuildHostConfig(value, ctx);
    else if (key === 'NetworkingConfig') out[key] = networking(value, ctx);
    else if (!isUnset(value))
      throw new ContainerRefusal(key, 'is not among the settings the filter passes to a build');
  }
  if (!('HostConfig' in out)) out.HostConfig = rebuildHostConfig({}, ctx);
  return out;
}

/** An image named by id must be the job's; a name is pulled or found like any `FROM`. */
function image(value: unknown, ctx: CreateContext): string {
  if (typeof value !== 'string' || value === '')
    throw new ContainerRefusal('Image', 'names no image', 400);
  if (!isIdReference(value)) return value;
  const own = ctx.objects.resolve('image', value);
  if (own === undefined) throw new UnownedReference('image', value, `Image ${value}`);
  return own;
}

/** Endpoints on networks the job created, with the aliases and addresses it asked for there. */
function networking(value: unknown, ctx: CreateContext): JsonObject {
  const endpoints = isObject(value) && isObject(value.EndpointsConfig) ? value.EndpointsConfig : {};
  const out: JsonObject = {};
  for (const [network, settings] of Object.entries(endpoints)) {
    if (network === 'bridge' || network === 'default' || network === 'none') continue;
    const own = ctx.objects.resolve('network', network);
    if (own === undefined)
      throw new UnownedReference('network', network, `NetworkingConfig ${network}`);
    const s = isObject(settings) ? settings : {};
    out[own] = { Aliases: s.Aliases ?? null, IPAMConfig: s.IPAMConfig ?? null };
  }
  return { EndpointsConfig: out };
}
