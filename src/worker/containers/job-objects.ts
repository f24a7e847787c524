// What the job made through the filter: the only containers, images, networks and volumes it may touch.

export type ObjectKind = 'container' | 'image' | 'network' | 'volume' | 'exec';

const HEX_ID = /^(sha256:)?[0-9a-f]{1,64}$/;

/** Ids are kept without the `sha256:` prefix images carry, so both spellings meet. */
const bareId = (id: string): string => id.replace(/^sha256:/, '');

interface Owned {
  ids: Set<string>;
  /** Name to full id, or '' while the id is not yet known (an image pulled or tagged by name). */
  names: Map<string, string>;
}

/** What a later phase's filter reads back: per kind, the ids and the [name, id] pairs. */
export type SavedObjects = Partial<
  Record<ObjectKind, { ids: string[]; names: [string, string][] }>
>;

const KINDS: ObjectKind[] = ['container', 'image', 'network', 'volume', 'exec'];

const strings = (xs: unknown): xs is string[] =>
  Array.isArray(xs) && xs.every((x) => typeof x === 'string');

/** The job's own objects, by full id and by name; a reference is matched the way the engine would. */
export class JobObjects {
  private readonly owned = new Map<ObjectKind, Owned>();

  /**
   * saved: what an earlier phase's filter kept (its own file, which no build can write); a shape it
   * does not know is read as nothing. onChange: called after each change, to keep it again.
   */
  constructor(
    saved?: unknown,
    private readonly onChange: () => void = () => undefined,
  ) {
    if (typeof saved !== 'object' || saved === null) return;
    for (const kind of KINDS) {
      const k = (saved as Record<string, unknown>)[kind];
      if (typeof k !== 'object' || k === null) continue;
      const { ids, names } = k as { ids?: unknown; names?: unknown };
      const o = this.of(kind);
      if (strings(ids)) for (const id of ids) o.ids.add(id);
      if (Array.isArray(names))
        for (const pair of names)
          if (strings(pair) && pair.length === 2) o.names.set(pair[0] as string, pair[1] as string);
    }
  }

  toJSON(): SavedObjects {
    const out: SavedObjects = {};
    for (const [kind, o] of this.owned) out[kind] = { ids: [...o.ids], names: [...o.names] };
    return out;
  }

  private of(kind: ObjectKind): Owned {
    let o = this.owned.get(kind);
    if (!o) this.owned.set(kind, (o = { ids: new Set(), names: new Map() }));
    return o;
  }

  add(kind: ObjectKind, id: string | undefined, name?: string): void {
    const o = this.of(kind);
    if (id) o.ids.add(bareId(id));
    if (name) o.names.set(nameOf(kind, name), id ? bareId(id) : '');
    this.onChange();
  }

  forget(kind: ObjectKind, fullId: string): void {
    this.of(kind).ids.delete(bareId(fullId));
    this.onChange();
  }

  /**
   * What to send upstream for a reference to one of the job's objects: its full id (an exact id, a
   * name, or an id prefix matching exactly one owned id), or the owned name when no id is known yet.
   * Never the build's text as such, so an ambiguous prefix or a name shaped like someone else's id
   * reaches nothing else. undefined: not the job's.
   */
  resolve(kind: ObjectKind, ref: string): string | undefined {
    const o = this.of(kind);
    const bare = bareId(ref);
    if (o.ids.has(bare)) return bare;
    const named = o.names.get(nameOf(kind, ref));
    if (named !== undefined) return named || nameOf(kind, ref);
    if (HEX_ID.test(ref)) {
      const hits = [...o.ids].filter((id) => id.startsWith(bare));
      if (hits.length === 1) return hits[0];
    }
    return undefined;
  }

  ownsId(kind: ObjectKind, id: string): boolean {
    return this.of(kind).ids.has(bareId(id));
  }

  ownsName(kind: ObjectKind, name: string): boolean {
    return this.of(kind).names.has(nameOf(kind, name));
  }
}

/** Whether a reference is spelled as an id rather than a name. */
export const isIdReference = (ref: string): boolean => HEX_ID.test(ref);

const nameOf = (kind: ObjectKind, name: string): string =>
  kind === 'image' ? imageName(name) : name.replace(/^\//, '');

/** `busybox`, `busybox:latest`, `docker.io/library/busybox:latest` and `localhost/busybox` meet. */
export function imageName(ref: string): string {
  let name = ref.replace(/^(docker\.io\/(library\/)?|localhost\/)/, '');
  if (!/@/.test(name) && !/:[^/]+$/.test(name)) name += ':latest';
  return name;
}
