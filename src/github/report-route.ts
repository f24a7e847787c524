// GET /runs/:id and its files, served from the run's out dir only: every path is checked, nothing is executed.
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, join, sep } from 'node:path';
import type { JobResult } from '../manager/job.js';
import { logPageTail } from '../report/log-page-tail.js';
import { renderPendingPage, renderReportPage, type RunHeader } from '../report/report-page.js';
import { NO_INDEX, notFound, sendPage as send } from './page-response.js';
import type { Admit } from './run-admission.js';
import { RUN_ID } from './run-id.js';
import { readCommitFacts, readRunFacts } from './run-facts.js';
import { runHeader } from './run-header.js';

const LOG_TAIL_BYTES = 1024 * 1024;

export interface ReportRouteOptions {
  runsDir: string;
  /** queued, running, ... for a run without a result yet; undefined for an unknown run. */
  stateOf: (runId: string) => Promise<string | undefined>;
  /** Brings a run another replica finished into runsDir, where replicas share a store. */
  fetchRun?: (runId: string) => Promise<void>;
  /** Checked before anything of the run is read: a private repository's run needs a signed-in reader. */
  admit: Admit;
  /** GitHub's web address, for links back to the repository, branch, pull request and commit. */
  webUrl: string;
}

/** A file under root, by its real path: `..`, absolute paths and symlinks out of root are refused. */
export async function fileUnder(root: string, relative: string): Promise<string | undefined> {
  const parts = relative.split('/');
  if (
    isAbsolute(relative) ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))
  )
    return undefined;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(root, ...parts));
    if (!real.startsWith(realRoot + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

function attestationPath(r: JobResult, outDir: string): string | undefined {
  if (!r.attestation) return undefined;
  const rel = isAbsolute(r.attestation) ? r.attestation.slice(outDir.length + 1) : r.attestation;
  return isAbsolute(r.attestation) && !r.attestation.startsWith(outDir + sep) ? undefined : rel;
}

function download(res: ServerResponse, file: string, name: string, type: string): void {
  res.writeHead(200, {
    'Content-Type': type,
    // An artifact is the build's output: a download, never a page on this origin.
    'Content-Disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...NO_INDEX,
  });
  createReadStream(file).pipe(res);
}

export async function serveReport(
  req: IncomingMessage,
  res: ServerResponse,
  o: ReportRouteOptions,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'text/plain', 'GET only\n');
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const m = /^\/runs\/([^/]+)(?:\/(.*))?$/.exec(path);
  const runId = m?.[1] ?? '';
  if (!RUN_ID.test(runId)) return notFound(res);
  if (!(await o.admit(req, res, runId))) return;
  await o.fetchRun?.(runId);
  const outDir = join(o.runsDir, runId);
  const text = await readFile(join(outDir, 'result.json'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    const state = await o.stateOf(runId);
    if (!state || m?.[2]) return notFound(res);
    return send(res, 200, 'text/html; charset=utf-8', renderPendingPage(runId, state));
  }
  const result = JSON.parse(text) as JobResult;
  const rest = m?.[2];
  const base = `/runs/${runId}`;
  const attestation = attestationPath(result, outDir);
  if (rest === undefined || rest === '') {
    const log = await logPageTail(join(outDir, 'log.txt'), LOG_TAIL_BYTES);
    const facts = await readRunFacts(outDir);
    const header: RunHeader | undefined =
      facts && runHeader(o.webUrl, facts, await readCommitFacts(outDir));
    return send(
      res,
      200,
      'text/html; charset=utf-8',
      renderReportPage(
        result,
        log,
        {
          log: `${base}/log.txt`,
          artifact: (p) => `${base}/artifacts/${p.split('/').map(encodeURIComponent).join('/')}`,
          attestation: attestation ? `${base}/attestation` : null,
        },
        header,
      ),
    );
  }
  if (rest === 'log.txt') {
    const file = await fileUnder(outDir, 'log.txt');
    return file ? download(res, file, 'log.txt', 'text/plain; charset=utf-8') : notFound(res);
  }
  if (rest === 'attestation') {
    const file = attestation && (await fileUnder(outDir, attestation));
    return file ? download(res, file, 'attestation.json', 'application/json') : notFound(res);
  }
  if (rest.startsWith('artifacts/')) {
    let rel: string;
    try {
      rel = rest.slice('artifacts/'.length).split('/').map(decodeURIComponent).join('/');
    } catch {
      return notFound(res);
    }
    // Only what the result lists: the out dir may hold more than the build was allowed to publish.
    if (!result.artifacts.some((a) => a.path === rel)) return notFound(res);
    const file = await fileUnder(join(outDir, 'artifacts'), rel);
    return file
      ? download(res, file, rel.split('/').pop() ?? 'artifact', 'application/octet-stream')
      : notFound(res);
  }
  return notFound(res);
}
