// Maps a JSON path inside a YAML document back to the line and column of the key or value there.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

export interface Position {
  line: number;
  col: number;
}

function child(node: unknown, seg: PathSegment): { key?: Node; value?: Node } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    if (!pair) return undefined;
    return { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
  }
  if (isSeq(node) && typeof seg === 'number') {
    return { value: node.items[seg] as Node | undefined };
  }
  return undefined;
}

/** Position of the value at path, or of its key when `atKey` (unknown keys are reported there). */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: PathSegment[],
  atKey = false,
): Position {
  let node: unknown = doc.contents;
  let best: Node | undefined = (doc.contents ?? undefined) as Node | undefined;
  for (const [i, seg] of path.entries()) {
    const found = child(node, seg);
    if (!found) break;
    const last = i === path.length - 1;
    best = (last && atKey ? found.key : found.value) ?? found.key ?? best;
    node = found.value;
  }
  const offset = best?.range?.[0] ?? 0;
  return lines.linePos(offset);
}

export function pathOf(instancePath: string): PathSegment[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

export function fieldName(path: PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
