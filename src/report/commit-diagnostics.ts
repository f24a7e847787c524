// Diagnostics of the log that point into the commit: the ones a check run annotates, and a count of the rest.
import { commitPathOf } from './diagnostic-path.js';
import type { Diagnostic, DiagnosticLevel } from './diagnostics.js';

/** GitHub shows a few hundred annotations well; past that the summary counts them instead. */
export const MAX_DIAGNOSTIC_ANNOTATIONS = 200;

export interface CommitDiagnostic {
  /** A path of the commit's tree. */
  path: string;
  line: number;
  col?: number;
  level: DiagnosticLevel;
  code?: string;
  message: string;
  logLine: number;
}

export interface CommitDiagnostics {
  /** The first MAX_DIAGNOSTIC_ANNOTATIONS, in log order, each once. */
  kept: CommitDiagnostic[];
  /** All that point into the commit, kept or not, each once. */
  inCommit: number;
  /** Diagnostics naming no file of the commit (system headers, generated files, made-up paths). */
  elsewhere: number;
}

/** Collects as the log is read: memory stays bounded whatever the build printed. */
export class CommitDiagnosticsCollector {
  private readonly kept: CommitDiagnostic[] = [];
  private readonly seen = new Set<string>();
  private inCommit = 0;
  private elsewhere = 0;

  /** inTree: whether the commit's tree has this path as a file. */
  constructor(
    private readonly inTree: (path: string) => boolean,
    private readonly max = MAX_DIAGNOSTIC_ANNOTATIONS,
  ) {}

  add(d: Diagnostic): void {
    const hit = this.innermost(d);
    if (!hit) return void this.elsewhere++;
    const key = `${hit.path}\0${hit.line}\0${hit.col ?? ''}\0${d.message}`;
    // Counting stops remembering once nothing more is kept; a repeat then counts again.
    if (this.seen.has(key)) return;
    if (this.kept.length < this.max) this.seen.add(key);
    this.inCommit++;
    if (this.kept.length < this.max)
      this.kept.push({
        ...hit,
        level: d.level,
        ...(d.code ? { code: d.code } : {}),
        message: d.message,
        logLine: d.logLine,
      });
  }

  result(): CommitDiagnostics {
    return { kept: this.kept, inCommit: this.inCommit, elsewhere: this.elsewhere };
  }

  /** The last location (a traceback's innermost frame) that is a file of the commit. */
  private innermost(d: Diagnostic): { path: string; line: number; col?: number } | undefined {
    for (let i = d.locations.length - 1; i >= 0; i--) {
      const at = d.locations[i]!;
      const path = commitPathOf(at.file);
      if (path === undefined || !this.inTree(path) || at.line < 1) continue;
      return { path, line: at.line, ...(at.col && at.col > 0 ? { col: at.col } : {}) };
    }
    return undefined;
  }
}
