// Limits said, not guessed: each limit's value in the units it was written in, and where it came from.
import type { EffectivePolicy, Policy } from './policy.js';
import type { LimitName, Limits, Spec } from './types.js';
import { formatBytes, formatDuration } from './units.js';

const FIELDS: Record<LimitName, keyof Limits> = {
  wall: 'wallMs',
  cpu: 'cpuMs',
  memory: 'memoryBytes',
  processes: 'processes',
  disk: 'diskBytes',
  log: 'logBytes',
  bandwidth: 'bandwidthBytesPerSec',
};

export const LIMIT_NAMES = Object.keys(FIELDS) as LimitName[];

/** "4GiB", "30m0s", "64", "50MiB/s". */
export function formatLimit(name: LimitName, value: number): string {
  const field = FIELDS[name];
  if (field === 'processes') return String(value);
  if (field.endsWith('Ms')) return formatDuration(value);
  if (field === 'bandwidthBytesPerSec') return `${formatBytes(value)}/s`;
  return formatBytes(value);
}

/** "memory 100GiB asked, 4GiB allowed by /home/u/.config/contractor/policy.yaml", one per limit the policy cut. */
export function cutLimits(spec: Spec, trusted: Policy, source: string): string[] {
  return LIMIT_NAMES.flatMap((name) => {
    const asked = spec.limits[FIELDS[name]];
    const allowed = trusted.limits[FIELDS[name]];
    if (asked === undefined || asked <= allowed) return [];
    return [
      `${name} ${formatLimit(name, asked)} asked in ${spec.file}, ${formatLimit(name, allowed)} allowed by ${source}`,
    ];
  });
}

/**
 * "the memory limit (512MiB, set by limits.memory in .contractor.yaml)": the value the job ran
 * under, and whether the spec chose it or the trusted policy's ceiling did.
 */
export function describeLimit(name: LimitName, spec: Spec, policy: EffectivePolicy): string {
  const value = policy.limits[FIELDS[name]];
  const asked = spec.limits[FIELDS[name]];
  const from =
    asked !== undefined && asked <= value
      ? `set by limits.${name} in ${spec.file}`
      : `the ceiling of the trusted policy (${policy.source})`;
  return `the ${name} limit (${formatLimit(name, value)}, ${from})`;
}

/** Each cut said as a status line at the start of the run, before anything is built. */
export function sayCutLimits(
  onEvent: ((e: { type: 'status'; message: string }) => void) | undefined,
  cuts: string[],
): void {
  for (const message of cuts) onEvent?.({ type: 'status', message });
}
