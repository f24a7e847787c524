// Human units in specs and policies ("90s", "512MiB", "10MiB/s") to numbers the core works with.

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = {
  B: 1,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

function split(text: string, what: string): [number, string] {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z/]+)$/.exec(text.trim());
  if (!m) throw new RangeError(`not a ${what}: "${text}"`);
  return [Number(m[1]), m[2] as string];
}

export function parseDuration(text: string): number {
  const [n, unit] = split(text, 'duration (e.g. 90s, 10m)');
  const scale = DURATION_MS[unit];
  if (scale === undefined) throw new RangeError(`unknown duration unit "${unit}" in "${text}"`);
  return Math.round(n * scale);
}

export function parseSize(text: string): number {
  const [n, unit] = split(text, 'size (e.g. 512MiB)');
  const scale = SIZE_BYTES[unit];
  if (scale === undefined) throw new RangeError(`unknown size unit "${unit}" in "${text}"`);
  return Math.round(n * scale);
}

export function parseRate(text: string): number {
  if (!text.trim().endsWith('/s')) throw new RangeError(`not a rate (e.g. 10MiB/s): "${text}"`);
  return parseSize(text.trim().slice(0, -2));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
