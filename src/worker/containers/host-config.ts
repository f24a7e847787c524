// HostProtection: a container's HostConfig rebuilt from the fields a build needs; the rest is refused by name.
import { ContainerRefusal } from './container-refusal.js';
import { isIdReference, type JobObjects } from './job-objects.js';
import { isObject, isUnset, stringList, type JsonObject } from './json-value.js';
import { UnownedReference } from './unowned-reference.js';
import { workspaceBindSource } from './workspace-bind.js';

/** What the rebuild needs to know about the job, all of it from the trusted side but `objects`. */
export interface CreateContext {
  /** The build's workspace, as the engine sees it: the only tree a container may bind. */
  workspace: string;
  objects: JobObjects;
  /** What `default` and `bridge` become (the operator's choice: `none`, or the worker's own net). */
  defaultNetworkMode: string;
  /** Filled by the rebuild: volume names the job does not own yet, for the caller to check are new. */
  newVolumes: Set<string>;
  /** Set by the rebuild when every exposed port is to be published (`-P`), on loopback. */
  publishAll?: boolean;
}

/** Copied as they are: limits a container may narrow, and settings that touch nothing outside it. */
const PASSED = [
  'AutoRemove',
  'Memory',
  'MemorySwap',
  'MemoryReservation',
  'MemorySwappiness',
  'NanoCpus',
  'CpuShares',
  'CpuPeriod',
  'CpuQuota',
  'PidsLimit',
  'ShmSize',
  'ReadonlyRootfs',
  'Init',
  'Ulimits',
  'CapDrop',
  'GroupAdd',
  'Dns',
  'DnsOptions',
  'DnsSearch',
  'ExtraHosts',
  'Tmpfs',
  'ConsoleSize',
] as const;

/** Refused whenever set, with the reason the docker CLI will print. */
const FORBIDDEN: Record<string, string> = {
  Privileged: 'a privileged container holds every capability and every device',
  CapAdd: 'added capabilities widen what a container may do to the kernel',
  Devices: 'host devices are not a build’s to use',
  DeviceRequests: 'host devices are not a build’s to use',
  DeviceCgroupRules: 'host devices are not a build’s to use',
  Sysctls: 'sysctls change the kernel the worker shares with its containers',
  SecurityOpt: 'security options may only keep or raise confinement (no-new-privileges)',
  MaskedPaths: 'the kernel paths masked in a container are not a build’s to change',
  ReadonlyPaths: 'the kernel paths read-only in a container are not a build’s to change',
  Runtime: 'the container runtime is the operator’s choice',
  CgroupParent: 'the cgroup a container lives in is the job’s',
  Links: 'legacy links are not supported; use a network the job created',
};

/** Namespace modes: only the container's own. `host` and `container:` share someone else's. */
const NAMESPACE_MODES: Record<string, string[]> = {
  PidMode: [''],
  IpcMode: ['', 'private', 'shareable', 'none'],
  UTSMode: [''],
  UsernsMode: [''],
  CgroupnsMode: ['', 'private'],
};

const RAISING_SECURITY_OPTS = /^no-new-privileges([:=]true)?$/;
const BIND_OPTIONS = new Set(['ro', 'rw', 'nocopy', 'private', 'rprivate']);
const RESTART_POLICIES = new Set(['', 'no', 'on-failure']);

export function rebuildHostConfig(hc: unknown, ctx: CreateContext): JsonObject {
  if (hc === undefined || hc === null) hc = {};
  if (!isObject(hc)) throw new ContainerRefusal('HostConfig', 'is not an object', 400);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(hc)) {
    const field = `HostConfig.${key}`;
    if (key === 'SecurityOpt') checkSecurityOpts(value);
    else if (key === 'MaskedPaths' || key === 'ReadonlyPaths') {
      // An empty list here unmasks everything, so presence alone is the request.
      if (value !== null) throw new ContainerRefusal(field, FORBIDDEN[key] ?? '');
    } else if (key in FORBIDDEN) {
      if (!isUnset(value)) throw new ContainerRefusal(field, FORBIDDEN[key] ?? '');
    } else if (key in NAMESPACE_MODES) checkNamespaceMode(key, value);
    else if ((PASSED as readonly string[]).includes(key)) out[key] = value;
    else if (key === 'NetworkMode') out[key] = networkMode(value, ctx);
    else if (key === 'Binds') out[key] = stringList(value).map((b) => bind(b, ctx));
    else if (key === 'Mounts')
      out[key] = (Array.isArray(value) ? value : []).map((m) => mount(m, ctx));
    else if (key === 'PortBindings') out[key] = loopbackPorts(value);
    else if (key === 'PublishAllPorts') ctx.publishAll = value === true;
    else if (key === 'RestartPolicy') out[key] = restartPolicy(value);
    else if (key === 'VolumesFrom') out[key] = stringList(value).map((v) => volumesFrom(v, ctx));
    else if (!isUnset(value))
      throw new ContainerRefusal(field, 'is not among the settings the filter passes to a build');
  }
  if (!('NetworkMode' in out)) out.NetworkMode = ctx.defaultNetworkMode;
  return out;
}

function checkSecurityOpts(value: unknown): void {
  for (const opt of stringList(value))
    if (!RAISING_SECURITY_OPTS.test(opt))
      throw new ContainerRefusal(
        `HostConfig.SecurityOpt ${opt}`,
        'lowers or replaces the container’s confinement (seccomp, AppArmor, SELinux labels); ' +
          'only no-new-privileges is passed',
      );
}

function checkNamespaceMode(key: string, value: unknown): void {
  const mode = typeof value === 'string' ? value : '';
  if (value !== null && value !== undefined && typeof value !== 'string')
    throw new ContainerRefusal(`HostConfig.${key}`, 'is not a string', 400);
  if (!(NAMESPACE_MODES[key] ?? []).includes(mode))
    throw new ContainerRefusal(
      `HostConfig.${key} ${mode}`,
      'shares a namespace of the host or of another container; a container gets its own',
    );
}

export function networkMode(value: unknown, ctx: CreateContext): string {
  const mode = typeof value === 'string' ? value : '';
  if (mode === '' || mode === 'default' || mode === 'bridge') return ctx.defaultNetworkMode;
  if (mode === 'none') return mode;
  if (mode === 'host' || mode.startsWith('container:') || mode.startsWith('ns:'))
    throw new ContainerRefusal(
      `HostConfig.NetworkMode ${mode}`,
      'shares the network of the host or of another container; use a network the job created',
    );
  const own = ctx.objects.resolve('network', mode);
  if (own === undefined)
    throw new UnownedReference('network', mode, `HostConfig.NetworkMode ${mode}`);
  return own;
}

/** `source:target[:options]`; a source without a slash is a named volume. */
function bind(spec: string, ctx: CreateContext): string {
  const [source = '', target, options, ...rest] = spec.split(':');
  const field = `HostConfig.Binds ${spec}`;
  if (target === undefined)
    throw new ContainerRefusal(
      field,
      'names no target: write source:target (an anonymous volume goes in Volumes)',
      400,
    );
  if (rest.length > 0)
    throw new ContainerRefusal(field, 'has more than source:target:options', 400);
  const opts = options === undefined ? [] : options.split(',');
  const bad = opts.find((o) => !BIND_OPTIONS.has(o));
  if (bad !== undefined)
    throw new ContainerRefusal(field, `option ${bad} is not passed (ro, rw, nocopy, private only)`);
  const src = source.startsWith('/')
    ? workspaceBindSource(field, source, ctx.workspace)
    : volumeName(source, ctx, field);
  return [src, target, ...(options === undefined ? [] : [options])].join(':');
}

function mount(m: unknown, ctx: CreateContext): JsonObject {
  if (!isObject(m)) throw new ContainerRefusal('HostConfig.Mounts', 'holds a non-object', 400);
  const type = m.Type;
  const field = `HostConfig.Mounts ${String(m.Source ?? '')}:${String(m.Target ?? '')}`;
  const base: JsonObject = { Type: type, Target: m.Target, ReadOnly: m.ReadOnly === true };
  if (type === 'tmpfs') return { ...base, TmpfsOptions: m.TmpfsOptions };
  if (type === 'bind') {
    const propagation = isObject(m.BindOptions) ? m.BindOptions.Propagation : undefined;
    if (!isUnset(propagation) && propagation !== 'private' && propagation !== 'rprivate')
      throw new ContainerRefusal(field, `bind propagation ${String(propagation)} reaches the host`);
    return { ...base, Source: workspaceBindSource(field, String(m.Source ?? ''), ctx.workspace) };
  }
  if (type === 'volume') {
    const driver = isObject(m.VolumeOptions) ? m.VolumeOptions.DriverConfig : undefined;
    if (!isUnset(driver))
      throw new ContainerRefusal(field, 'volume driver options can bind host paths; not passed');
    if (isUnset(m.Source)) return base;
    return { ...base, Source: volumeName(String(m.Source), ctx, field) };
  }
  throw new ContainerRefusal(
    field,
    `mount type ${String(type)} is not passed (bind, volume, tmpfs)`,
  );
}

/**
 * A named volume the job created, or a name nothing has yet (the engine makes it for this job).
 * Whether an unknown name exists upstream is settled by the caller; here it is claimed for the job.
 */
function volumeName(name: string, ctx: CreateContext, field: string): string {
  if (ctx.objects.ownsName('volume', name)) return name;
  if (isIdReference(name) && ctx.objects.resolve('volume', name) === undefined)
    throw new UnownedReference('volume', name, field);
  ctx.newVolumes.add(name);
  return name;
}

/** Published ports listen on loopback only: a build's service is not the network's to reach. */
function loopbackPorts(value: unknown): JsonObject {
  const out: JsonObject = {};
  if (!isObject(value)) return out;
  for (const [port, bindings] of Object.entries(value)) {
    out[port] = (Array.isArray(bindings) ? bindings : []).map((b) => ({
      HostIp: '127.0.0.1',
      HostPort: isObject(b) && typeof b.HostPort === 'string' ? b.HostPort : '',
    }));
  }
  return out;
}

/**
 * `-P` as explicit bindings on loopback: the engine would publish every exposed port (the
 * request's and the image's) on all interfaces.
 */
export function publishOnLoopback(hc: JsonObject, exposed: string[]): void {
  const bindings = isObject(hc.PortBindings) ? hc.PortBindings : {};
  for (const port of exposed)
    if (!(port in bindings)) bindings[port] = [{ HostIp: '127.0.0.1', HostPort: '' }];
  hc.PortBindings = bindings;
  hc.PublishAllPorts = false;
}

function restartPolicy(value: unknown): JsonObject {
  const name = isObject(value) && typeof value.Name === 'string' ? value.Name : '';
  if (!RESTART_POLICIES.has(name))
    throw new ContainerRefusal(
      `HostConfig.RestartPolicy ${name}`,
      'a container restarted by the engine outlives what started it; use no or on-failure',
    );
  return { Name: name, MaximumRetryCount: isObject(value) ? value.MaximumRetryCount : 0 };
}

function volumesFrom(spec: string, ctx: CreateContext): string {
  const [ref = '', mode] = spec.split(':');
  const own = ctx.objects.resolve('container', ref);
  if (own === undefined)
    throw new UnownedReference('container', ref, `HostConfig.VolumesFrom ${ref}`);
  return mode === undefined ? own : `${own}:${mode}`;
}
