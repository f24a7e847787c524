// Compiler and linter diagnostics found in a build log: gcc/clang, tsc, eslint (unix), rustc, Python tracebacks.
import { stripAnsi } from './ansi-strip.js';

export type DiagnosticLevel = 'failure' | 'warning';

/** Where a tool says the problem is, as the build printed it: not yet a path of the commit. */
export interface LoggedLocation {
  file: string;
  line: number;
  col?: number;
}

export interface Diagnostic {
  /** Candidates, outermost first: a traceback names many frames, the innermost in the commit wins. */
  locations: LoggedLocation[];
  level: DiagnosticLevel;
  /** The tool's code for the problem (TS2322, E0308, an eslint rule), when it gives one. */
  code?: string;
  message: string;
  /** 1-based line of the log where it was printed. */
  logLine: number;
}

// A line longer than this is no tool's diagnostic; the build may print anything.
const MAX_LINE = 4096;
const MAX_MESSAGE = 1000;

const GCC =
  /^(.+?):(\d+):(?:(\d+):)?\s+(fatal error|error|warning):\s*(.*?)(?:\s+\[(-W[^\]]+)\])?$/;
const TSC = /^(.+?)\((\d+),(\d+)\):\s+(error|warning)\s+(TS\d+):\s*(.*)$/;
const TSC_PRETTY = /^(.+?):(\d+):(\d+)\s+-\s+(error|warning)\s+(TS\d+):\s*(.*)$/;
const ESLINT_UNIX = /^(.+?):(\d+):(\d+):\s+(.*?)\s+\[(Error|Warning)(?:\/([^\]]+))?\]$/;
const RUSTC_HEAD = /^(error|warning)(?:\[(E\d+)\])?:\s*(.*)$/;
const RUSTC_AT = /^\s*-->\s+(.+?):(\d+):(\d+)$/;
const PY_FRAME = /^\s+File "(.+?)", line (\d+)/;

function levelOf(word: string): DiagnosticLevel {
  return /warning/i.test(word) ? 'warning' : 'failure';
}

function message(text: string): string {
  // Control characters stay out of GitHub's annotation and the summary.
  return text.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, MAX_MESSAGE);
}

function at(file: string, line: string, col?: string): LoggedLocation {
  return { file, line: Number(line), ...(col ? { col: Number(col) } : {}) };
}

/** One line that carries its own location: gcc, clang, tsc, eslint. */
function singleLine(text: string, logLine: number): Diagnostic | undefined {
  let m = TSC.exec(text) ?? TSC_PRETTY.exec(text);
  if (m)
    return {
      locations: [at(m[1]!, m[2]!, m[3])],
      level: levelOf(m[4]!),
      code: m[5]!,
      message: message(m[6]!),
      logLine,
    };
  m = ESLINT_UNIX.exec(text);
  if (m)
    return {
      locations: [at(m[1]!, m[2]!, m[3])],
      level: levelOf(m[5]!),
      ...(m[6] ? { code: m[6] } : {}),
      message: message(m[4]!),
      logLine,
    };
  m = GCC.exec(text);
  if (m)
    return {
      locations: [at(m[1]!, m[2]!, m[3])],
      level: levelOf(m[4]!),
      ...(m[6] ? { code: m[6] } : {}),
      message: message(m[5]!),
      logLine,
    };
  return undefined;
}

/** Reads a log line by line; the tools that spread a diagnostic over lines keep state here. */
export class DiagnosticParser {
  private lineNo = 0;
  private rust:
    { level: DiagnosticLevel; code?: string; message: string; logLine: number } | undefined;
  private frames: LoggedLocation[] = [];
  private tracebackAt = 0;

  constructor(private readonly onDiagnostic: (d: Diagnostic) => void) {}

  line(raw: string): void {
    this.lineNo++;
    if (raw.length > MAX_LINE) return;
    const text = stripAnsi(raw).replace(/\r$/, '');
    if (this.traceback(text)) return;
    const rustAt = RUSTC_AT.exec(text);
    if (rustAt && this.rust) {
      this.add({ ...this.rust, locations: [at(rustAt[1]!, rustAt[2]!, rustAt[3])] });
      this.rust = undefined;
      return;
    }
    const head = RUSTC_HEAD.exec(text);
    if (head) {
      this.rust = {
        level: levelOf(head[1]!),
        ...(head[2] ? { code: head[2] } : {}),
        message: message(head[3]!),
        logLine: this.lineNo,
      };
      return;
    }
    const d = singleLine(text, this.lineNo);
    if (d) this.add(d);
  }

  /** The end of the log: a traceback cut short still names where it was. */
  end(): void {
    if (this.frames.length) this.closeTraceback('Traceback (cut short)');
  }

  /** Python: frames are indented under the header; the first unindented line is the exception. */
  private traceback(text: string): boolean {
    if (text.startsWith('Traceback (most recent call last)')) {
      if (this.frames.length) this.closeTraceback('Traceback');
      this.tracebackAt = this.lineNo;
      return true;
    }
    const frame = PY_FRAME.exec(text);
    if (frame) {
      if (!this.frames.length && !this.tracebackAt) this.tracebackAt = this.lineNo;
      this.frames.push(at(frame[1]!, frame[2]!));
      return true;
    }
    if (!this.tracebackAt) return false;
    if (/^\s/.test(text) || text === '') return true;
    this.closeTraceback(text);
    return true;
  }

  private closeTraceback(exception: string): void {
    if (this.frames.length)
      this.add({
        locations: this.frames,
        level: 'failure',
        message: message(exception),
        logLine: this.tracebackAt,
      });
    this.frames = [];
    this.tracebackAt = 0;
  }

  private add(d: Diagnostic): void {
    this.onDiagnostic(d);
  }
}

export function parseDiagnostics(log: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  const p = new DiagnosticParser((d) => found.push(d));
  for (const l of log.split('\n')) p.line(l);
  p.end();
  return found;
}
