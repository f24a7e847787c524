// The diagnostics of a finished build's log that point at files of its commit.
import {
  CommitDiagnosticsCollector,
  type CommitDiagnostics,
} from '../report/commit-diagnostics.js';
import { DiagnosticParser } from '../report/diagnostics.js';
import { logLines } from '../report/log-lines.js';
import { commitFiles } from './commit-files.js';

export async function logDiagnostics(
  logFile: string,
  gitDir: string,
  sha: string,
): Promise<CommitDiagnostics> {
  const files = await commitFiles(gitDir, sha);
  const collector = new CommitDiagnosticsCollector((p) => files.has(p));
  const parser = new DiagnosticParser((d) => collector.add(d));
  for await (const line of logLines(logFile)) parser.line(line);
  parser.end();
  return collector.result();
}
