// `contractor policy show`: each value of the effective ceiling, and where it comes from.
import { parse } from 'yaml';
import { DEFAULT_POLICY, effectivePolicy, limitField, type Policy } from './policy.js';
import { formatBytes, formatDuration } from './units.js';
import type { LimitName, Spec } from './types.js';

export interface ExplainedValue {
  key: string;
  value: string;
  from: string;
}

const LIMIT_NAMES: LimitName[] = ['wall', 'cpu', 'memory', 'processes', 'disk', 'log', 'bandwidth'];

function formatLimit(name: LimitName, v: number): string {
  if (name === 'wall' || name === 'cpu') return formatDuration(v);
  if (name === 'processes') return String(v);
  return name === 'bandwidth' ? `${formatBytes(v)}/s` : formatBytes(v);
}

/** The keys the policy file sets (`network.allow`, `limits.memory`, `driver`, ...). */
function keysSet(text: string | undefined): Set<string> {
  const data = (text === undefined ? {} : (parse(text) ?? {})) as Record<string, unknown>;
  const keys = new Set<string>();
  for (const [k, v] of Object.entries(data)) {
    keys.add(k);
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const sub of Object.keys(v)) keys.add(`${k}.${sub}`);
  }
  return keys;
}

/**
 * `policy` as read from `file` (`text` undefined when there is none); with a spec, the values a
 * build of that spec gets, where the spec narrowed them.
 */
export function explainPolicy(
  policy: Policy,
  file: string,
  text: string | undefined,
  spec?: Spec,
): ExplainedValue[] {
  const set = keysSet(text);
  const origin = (key: string): string =>
    set.has(key) ? file : text === undefined ? `default (no file at ${file})` : 'default';
  const effective = spec ? effectivePolicy(spec, policy, file) : undefined;
  const rows: ExplainedValue[] = [
    {
      key: 'network.allow',
      value: policy.allow.join(', ') || '(none)',
      from: origin('network.allow'),
    },
  ];
  if (spec && effective)
    rows.push({
      key: 'network.allow (this build)',
      value: effective.allow.join(', ') || '(none)',
      from: spec.file,
    });
  rows.push({
    key: 'network.build',
    value: String(policy.buildNetwork),
    from: origin('network.build'),
  });
  for (const name of LIMIT_NAMES) {
    const field = limitField(name);
    const ceiling = policy.limits[field] ?? DEFAULT_POLICY.limits[field];
    const got = effective?.limits[field] ?? ceiling;
    const narrowed = got < ceiling;
    rows.push({
      key: `limits.${name}`,
      value: narrowed
        ? `${formatLimit(name, got)} (ceiling ${formatLimit(name, ceiling)})`
        : formatLimit(name, ceiling),
      from: narrowed && spec ? spec.file : origin(`limits.${name}`),
    });
  }
  const driver = effective?.driver ?? policy.driver;
  rows.push(
    {
      key: 'driver',
      value: driver,
      from: spec && driver !== policy.driver ? spec.file : origin('driver'),
    },
    { key: 'images', value: policy.images.join(', '), from: origin('images') },
    {
      key: 'workspaces',
      value: policy.workspaces.join(', ') || '(none)',
      from: origin('workspaces'),
    },
  );
  if (policy.insecureRegistries?.length)
    rows.push({
      key: 'insecure-registries',
      value: policy.insecureRegistries.join(', '),
      from: origin('insecure-registries'),
    });
  return rows;
}
