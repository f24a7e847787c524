// Git's object ids for a tree given file by file: blobs hashed as their bytes pass, tree objects
// written bottom up, byte for byte as `git write-tree` writes them.
import { createHash, type Hash } from 'node:crypto';

/** The repository's object format: sha1 unless it was made with --object-format=sha256. */
export type ObjectFormat = 'sha1' | 'sha256';

export type TreeMode = '100644' | '100755' | '120000' | '40000';

interface TreeEntry {
  mode: TreeMode;
  /** Raw object id, or the directory's entries until it is written. */
  oid: Buffer | Directory;
}

type Directory = Map<string, TreeEntry>;

/** One blob hashed as it streams: `blob <size>\0` and then exactly size bytes. */
export class BlobHash {
  private readonly hash: Hash;
  private remaining: number;

  constructor(format: ObjectFormat, size: number) {
    this.hash = createHash(format).update(`blob ${size}\0`);
    this.remaining = size;
  }

  update(bytes: Buffer): void {
    this.remaining -= bytes.length;
    this.hash.update(bytes);
  }

  /** The raw id; undefined when other than the announced size arrived. */
  digest(): Buffer | undefined {
    const oid = this.hash.digest();
    return this.remaining === 0 ? oid : undefined;
  }
}

/** Collects a tree's files and links by path, then writes its tree objects; throws on a path git could not hold. */
export class GitTreeBuilder {
  private readonly root: Directory = new Map();

  constructor(readonly format: ObjectFormat) {}

  /** A directory that must exist: it holds entries by the time the tree is written. */
  addDirectory(path: string[]): void {
    this.directoryAt(path);
  }

  addBlob(path: string[], mode: Exclude<TreeMode, '40000'>, oid: Buffer): void {
    const name = path[path.length - 1];
    if (name === undefined) throw new Error('a file without a name');
    const parent = this.directoryAt(path.slice(0, -1));
    if (parent.has(name)) throw new Error(`${path.join('/')} appears twice`);
    parent.set(name, { mode, oid });
  }

  /** The root tree's id, hex. */
  write(): string {
    return this.writeDirectory(this.root, []).toString('hex');
  }

  private directoryAt(path: string[]): Directory {
    let dir = this.root;
    for (const [i, name] of path.entries()) {
      const entry = dir.get(name);
      if (entry && (entry.mode !== '40000' || Buffer.isBuffer(entry.oid)))
        throw new Error(`${path.slice(0, i + 1).join('/')} is both a file and a directory`);
      if (entry) {
        dir = entry.oid as Directory;
        continue;
      }
      const child: Directory = new Map();
      dir.set(name, { mode: '40000', oid: child });
      dir = child;
    }
    return dir;
  }

  private writeDirectory(dir: Directory, path: string[]): Buffer {
    // A tree holds no empty directory (git archive writes a submodule as one): its content is unknown.
    if (dir.size === 0 && path.length > 0)
      throw new Error(
        `${path.join('/')} is an empty directory (a submodule, whose commit an archive does not carry)`,
      );
    const parts: Buffer[] = [];
    for (const [name, entry] of sortedEntries(dir)) {
      const oid = Buffer.isBuffer(entry.oid)
        ? entry.oid
        : this.writeDirectory(entry.oid, [...path, name]);
      parts.push(Buffer.from(`${entry.mode} ${name}\0`), oid);
    }
    const body = Buffer.concat(parts);
    return createHash(this.format).update(`tree ${body.length}\0`).update(body).digest();
  }
}

// Git sorts a tree's entries by their names' bytes, a directory's name as if it ended in '/'.
function sortedEntries(dir: Directory): [string, TreeEntry][] {
  const key = (name: string, e: TreeEntry): Buffer =>
    Buffer.from(e.mode === '40000' ? `${name}/` : name);
  return [...dir].sort(([a, ea], [b, eb]) => Buffer.compare(key(a, ea), key(b, eb)));
}
