// The trusted side's ceilings, and the effective policy: what the spec asked for, never more.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { ContractorError, SpecError } from '../errors.js';
import { schemaProblems } from './problems.js';
import { validator } from './validators.js';
import { parseDuration, parseRate, parseSize } from './units.js';
import { DRIVER_ORDER, isBelow } from './driver-floor.js';
import { uncovered } from './policy-intersection.js';
import { DEFAULT_IMAGE, imageName } from './image-name.js';
import { workspaceParts } from './parse.js';
import type { DriverName, LimitName, Limits, Spec } from './types.js';

export interface Policy {
  allow: string[];
  buildNetwork: boolean;
  limits: Limits;
  /** The least isolation any build gets; a spec may only ask for more. */
  driver: DriverName;
  /** The worker images a spec may name. */
  images: string[];
  /** Workspaces a spec may keep in the work tree (as `a/b`); any other is kept where nothing runs it. */
  workspaces: string[];
  /** false: no spec may ask for containers. Absent: allowed. */
  containers?: boolean;
  /**
   * Registries a containers build's engine may pull from over plain HTTP (`host` or `host:port`):
   * a loosening of TLS, so the trusted side's alone. Still hosts like any other: network.allow.
   */
  insecureRegistries?: string[];
  /** Set when there is no policy file: the defaults stand in, and a refusal says the file is missing. */
  absent?: true;
}

/** What one job gets: the spec's wishes within the policy. */
export interface EffectivePolicy {
  allow: string[];
  buildNetwork: boolean;
  limits: Limits;
  driver: DriverName;
  /** The build gets a filtered Docker-compatible API (docs/containers.md). Absent: it does not. */
  containers?: boolean;
  /** The policy's insecure-registries, carried only with containers and only when there are some. */
  insecureRegistries?: string[];
  /** The worker image's name, one the policy lists. */
  image: string;
  /** Where the ceilings came from, for the result and the provenance. */
  source: string;
  /** The trusted allowlist `allow` was narrowed from: what a violation may tell the spec to add. */
  ceilingAllow?: string[];
  /** The spec's entries the policy does not grant, cut by an --audit run: what a violation may tell the policy to add. */
  specOnlyAllow?: string[];
}

// Sensible defaults when nothing is configured: generous enough for a real build, no network.
export const DEFAULT_POLICY: Policy = {
  allow: [],
  buildNetwork: false,
  driver: 'namespace',
  images: [DEFAULT_IMAGE],
  workspaces: [],
  limits: {
    wallMs: 30 * 60_000,
    cpuMs: 60 * 60_000,
    memoryBytes: 4 * 1024 ** 3,
    processes: 1024,
    diskBytes: 4 * 1024 ** 3,
    logBytes: 50 * 1024 ** 2,
    bandwidthBytesPerSec: 50 * 1024 ** 2,
  },
};

const LIMIT_FIELDS: Record<LimitName, keyof Limits> = {
  wall: 'wallMs',
  cpu: 'cpuMs',
  memory: 'memoryBytes',
  processes: 'processes',
  disk: 'diskBytes',
  log: 'logBytes',
  bandwidth: 'bandwidthBytesPerSec',
};

export function limitField(name: LimitName): keyof Limits {
  return LIMIT_FIELDS[name];
}

export async function readPolicyFile(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { ...DEFAULT_POLICY, absent: true };
    throw new ContractorError('POLICY', `cannot read policy ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parsePolicy(text, file);
}

export function parsePolicy(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length)
    throw new SpecError(
      'SPEC_SYNTAX',
      doc.errors.map((e) => ({
        file,
        ...lines.linePos(e.pos[0]),
        message: e.message.split('\n')[0] ?? '',
      })),
    );
  const data = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  const validate = validator('policy');
  if (!validate(data))
    throw new SpecError('SPEC_INVALID', schemaProblems(file, doc, lines, validate.errors ?? []));
  return policyFromData(data);
}

/** A policy document already validated against policy.schema.json (alone, or inside a larger file). */
export function policyFromData(data: Record<string, unknown>): Policy {
  const network = (data.network ?? {}) as { allow?: string[]; build?: boolean };
  const l = (data.limits ?? {}) as Record<string, string | number>;
  const limits = { ...DEFAULT_POLICY.limits };
  if (typeof l.wall === 'string') limits.wallMs = parseDuration(l.wall);
  if (typeof l.cpu === 'string') limits.cpuMs = parseDuration(l.cpu);
  if (typeof l.memory === 'string') limits.memoryBytes = parseSize(l.memory);
  if (typeof l.processes === 'number') limits.processes = l.processes;
  if (typeof l.disk === 'string') limits.diskBytes = parseSize(l.disk);
  if (typeof l.log === 'string') limits.logBytes = parseSize(l.log);
  if (typeof l.bandwidth === 'string') limits.bandwidthBytesPerSec = parseRate(l.bandwidth);
  return {
    allow: network.allow ?? [],
    buildNetwork: network.build ?? false,
    limits,
    driver: (data.driver as DriverName | undefined) ?? DEFAULT_POLICY.driver,
    images: (data.images as string[] | undefined) ?? DEFAULT_POLICY.images,
    workspaces: ((data.workspaces as string[] | undefined) ?? []).map(workspaceKey),
    ...(data.containers === false ? { containers: false } : {}),
    ...(Array.isArray(data['insecure-registries']) && data['insecure-registries'].length
      ? { insecureRegistries: data['insecure-registries'] as string[] }
      : {}),
  };
}

/** A workspace path as policies and git config name it: its parts joined by `/`. */
export function workspaceKey(workspace: string): string {
  return workspaceParts(workspace).join('/');
}

/**
 * ConstrainNetworkAccess: a spec can only narrow the trusted policy. An entry the ceiling does
 * not cover is refused outright, so nobody is surprised by a build that silently lost network.
 * An --audit run (the local user's choice) is not refused: refusing would stop it before it
 * learned anything. It leaves such entries out of `allow` and names them in `specOnlyAllow`; the
 * audit proxy lets their requests through as misses (private and metadata addresses stay
 * refused) and records each, so one run lists every host to add.
 */
export function effectivePolicy(
  spec: Spec,
  policy: Policy,
  source: string,
  { audit = false }: { audit?: boolean } = {},
): EffectivePolicy {
  const refused = uncovered(spec.allow, policy.allow);
  if (refused.length && !audit && policy.absent) throw missingPolicy(spec, refused, source);
  if (refused.length && !audit)
    throw new ContractorError(
      'POLICY',
      `${spec.file}: network.allow asks for ${refused.join(', ')}, which the trusted policy (${source}) does not allow; ` +
        `add them to network.allow there if the build really needs them`,
    );
  const limits = { ...policy.limits };
  for (const [k, v] of Object.entries(spec.limits) as [keyof Limits, number][])
    limits[k] = Math.min(v, policy.limits[k]);
  const containers = specContainers(spec, policy, source);
  return {
    allow: spec.allow.filter((e) => !refused.includes(e)),
    buildNetwork: policy.buildNetwork,
    limits,
    driver: containers ? containersDriver(spec, policy, source) : specDriver(spec, policy, source),
    ...(containers ? { containers } : {}),
    ...(containers && policy.insecureRegistries?.length
      ? { insecureRegistries: policy.insecureRegistries }
      : {}),
    image: specImage(spec, policy, source),
    source,
    ceilingAllow: policy.allow,
    ...(refused.length ? { specOnlyAllow: refused } : {}),
  };
}

/** What an --audit run says first when it carries spec entries the policy does not allow. */
export function auditNotice(policy: EffectivePolicy): string | undefined {
  const beyond = policy.specOnlyAllow ?? [];
  if (!beyond.length) return undefined;
  return (
    `audit: network.allow asks for ${beyond.join(', ')}, which ${policy.source} does not allow; ` +
    `this run lets such requests through and records each (private and metadata addresses stay refused); ` +
    `then run contractor policy suggest`
  );
}

/** A spec's `containers: true`, unless the trusted policy forbids it. */
function specContainers(spec: Spec, policy: Policy, source: string): boolean {
  if (!spec.containers) return false;
  if (policy.containers === false)
    throw new ContractorError(
      'POLICY',
      `${spec.file}: containers: true is forbidden by the trusted policy (${source}); ` +
        `remove containers: from the spec, or drop containers: false there`,
    );
  return true;
}

/**
 * HostProtection: a container engine runs only where a kernel stands between it and the host, so
 * containers raise the floor to vm; a spec asking for a lower driver at the same time is refused.
 */
function containersDriver(spec: Spec, policy: Policy, source: string): DriverName {
  const asked = specDriver(spec, policy, source);
  if (spec.driver && isBelow(spec.driver, 'vm'))
    throw new ContractorError(
      'POLICY',
      `${spec.file}: containers: true needs driver: vm (a kernel between the containers and the host), ` +
        `but the spec asks for driver: ${spec.driver}; remove driver: or ask for vm`,
    );
  return isBelow(asked, 'vm') ? 'vm' : asked;
}

/** No policy file, so no host is allowed: the refusal says so and gives the lines to paste. */
function missingPolicy(spec: Spec, refused: string[], source: string): ContractorError {
  const lines = ['network:', '  allow:', ...refused.map((e) => `    - ${JSON.stringify(e)}`)];
  return new ContractorError(
    'POLICY',
    `${spec.file}: network.allow asks for ${refused.join(', ')}, but there is no trusted policy at ${source}, ` +
      `so no host is allowed. Create it (contractor policy init writes a commented one) with these lines:\n\n${lines.join('\n')}\n`,
  );
}

/** DriverFloor: the policy's driver is the least a build gets; a spec asking for less is refused. */
function specDriver(spec: Spec, policy: Policy, source: string): DriverName {
  if (!spec.driver) return policy.driver;
  if (isBelow(spec.driver, policy.driver))
    throw new ContractorError(
      'POLICY',
      `${spec.file}: driver: ${spec.driver} is below ${policy.driver}, the least isolation the trusted policy (${source}) allows (${DRIVER_ORDER}); ` +
        `remove driver: from the spec, or ask for ${policy.driver} or stronger`,
    );
  return spec.driver;
}

/** DriverFloor: `--driver` may raise the tier the job runs in, never lower it below the policy's (or the spec's). */
export function jobDriver(asked: DriverName | undefined, policy: EffectivePolicy): DriverName {
  if (!asked) return policy.driver;
  if (isBelow(asked, policy.driver))
    throw new ContractorError(
      'POLICY',
      `--driver ${asked} is below ${policy.driver}, the least isolation this build may have (${DRIVER_ORDER}; set by driver: in ${policy.source} or in the spec); ` +
        `drop --driver, or lower driver: in ${policy.source}`,
    );
  return asked;
}

/** A spec names an image among those the policy lists; the name is never looked up as a host path. */
function specImage(spec: Spec, policy: Policy, source: string): string {
  if (spec.workerImage === undefined) return DEFAULT_IMAGE;
  const name = imageName(spec.workerImage);
  if (!spec.workerImage.includes('/') && policy.images.includes(name)) return name;
  throw new ContractorError(
    'POLICY',
    `${spec.file}: worker-image ${JSON.stringify(spec.workerImage)} is not an image the trusted policy (${source}) lists; ` +
      `the images there are: ${policy.images.join(', ') || '(none)'}. Name one of them (worker-image: ${policy.images[0] ?? DEFAULT_IMAGE}.img), ` +
      `or add ${JSON.stringify(name)} to images: in ${source}`,
  );
}
