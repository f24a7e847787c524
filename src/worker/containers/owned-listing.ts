// Lists answered with the job's own objects only: a build does not learn what else the engine holds.
import type { JobObjects, ObjectKind } from './job-objects.js';
import { isObject, stringList } from './json-value.js';

/** The entries of an engine's list answer that are the job's; owned image names teach their ids. */
export function ownedEntries(kind: ObjectKind, list: unknown, objects: JobObjects): unknown[] {
  const entries = Array.isArray(list)
    ? list
    : isObject(list) && Array.isArray(list.Volumes)
      ? list.Volumes
      : [];
  return entries.filter((e: unknown) => {
    if (!isObject(e)) return false;
    const id = typeof e.Id === 'string' ? e.Id : typeof e.ID === 'string' ? e.ID : '';
    if (id && objects.ownsId(kind, id)) return true;
    const names = [...stringList(e.RepoTags), ...stringList(e.Names), ...stringList([e.Name])];
    const owned = names.some((n) => objects.ownsName(kind, n));
    if (owned && id) objects.add(kind, id);
    return owned;
  });
}

/** The list answer rebuilt around the kept entries (volumes come wrapped, the others bare). */
export function listAnswer(kind: ObjectKind, entries: unknown[]): unknown {
  return kind === 'volume' ? { Volumes: entries, Warnings: [] } : entries;
}
