// What a run asks git first, started before the rest of the run's code loads: the repository's
// root, the manager setting, and the commit with its spec as committed (three processes at once);
// then, as soon as it is sure to be built on this machine, the commit's tar. Kept light: the
// command's other code loads while these run.
import type { Readable } from 'node:stream';
import { gitConfig, readRevision, repositoryRoot, type RevisionWithFile } from './repository.js';
import { MAX_SPEC_BYTES, SPEC_FILE } from '../spec/spec-file.js';
import { archiveCommit } from './snapshot.js';
import { prefetchSource, type PrefetchedSource } from './source-prefetch.js';

export interface RevisionStartOptions {
  cwd: string;
  rev: string;
  /** A snapshot of the working tree is built instead: only the root is read here. */
  worktree?: boolean;
  /** --manager, which git config's contractor.manager stands in for when absent. */
  manager?: string;
  /** No cache lookup can make the build unneeded, so its source starts with the commit known. */
  noCache?: boolean;
  audit?: boolean;
}

/** A manager selection that means this machine. */
export function isLocalSelection(selection: string | undefined): boolean {
  return !selection || selection === 'local';
}

/** The spec as committed; one too big to be a spec is sized, never read. */
export const SPEC_REQUEST = { path: SPEC_FILE, maxBytes: MAX_SPEC_BYTES };

export class RevisionStart {
  readonly root: Promise<string>;
  readonly selection: Promise<string>;
  readonly committed: Promise<RevisionWithFile> | undefined;
  private source: PrefetchedSource | undefined;
  private released = false;

  constructor(o: RevisionStartOptions) {
    this.root = repositoryRoot(o.cwd);
    this.selection =
      o.manager !== undefined ? Promise.resolve(o.manager) : gitConfig(o.cwd, 'contractor.manager');
    this.committed = o.worktree ? undefined : readRevision(o.cwd, o.rev, SPEC_REQUEST);
    // Awaited by the run, the root first: outside a repository that is the error to report.
    void this.root.catch(() => undefined);
    void this.committed?.catch(() => undefined);
    if (this.committed && (o.noCache || o.audit)) {
      void Promise.all([this.root, this.selection, this.committed])
        .then(([root, selection, { commit }]) => {
          if (isLocalSelection(selection)) this.startSource(root, commit);
        })
        .catch(() => undefined);
    }
  }

  /** The commit's tar under src/, started now if it has not been: the job's input. */
  startSource(root: string, what: string): () => Readable {
    if (this.released) return archiveCommit(root, what, 'src');
    this.source ??= prefetchSource(archiveCommit(root, what, 'src'));
    return this.source.open;
  }

  /** Stops a started source no job took (a cache hit, a saved workspace, an error). */
  release(): void {
    this.released = true;
    this.source?.release();
  }
}

export function startRevision(o: RevisionStartOptions): RevisionStart {
  return new RevisionStart(o);
}
