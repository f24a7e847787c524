// GET /repos/OWNER/REPO (recent runs) and /badge/OWNER/REPO/BRANCH.svg (a branch's latest status).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderRepositoryPage } from '../report/report-page.js';
import { statusBadgeSvg } from '../report/status-badge.js';
import { notFound, sendPage } from './page-response.js';
import { recentRuns, type RecentRun } from './repository-runs.js';
import type { RunFacts } from './run-facts.js';
import { admitRepository } from './run-admission.js';
import { laneText, repositoryPath } from './run-header.js';
import type { SignIn } from './sign-in.js';

export interface RepositoryRouteOptions {
  runsDir: string;
  stateOf: (runId: string) => Promise<string | undefined>;
  signIn: SignIn | undefined;
  webUrl: string;
}

const RUNS_SHOWN = 50;
// GitHub's own limits on owner and repository names.
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

function decoded(parts: string[]): string[] | undefined {
  try {
    return parts.map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The repository as the newest run's webhook described it: its privacy decides who may look. */
function repositoryOf(run: RecentRun) {
  const f = run.facts;
  return { owner: f.owner, repo: f.repo, repoId: f.repoId, private: f.private };
}

export async function serveRepository(
  req: IncomingMessage,
  res: ServerResponse,
  o: RepositoryRouteOptions,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return sendPage(res, 405, 'text/plain', 'GET only\n');
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const page = /^\/repos\/([^/]+)\/([^/]+)\/?$/.exec(path);
  const badge = /^\/badge\/([^/]+)\/([^/]+)\/(.+)\.svg$/.exec(path);
  const parts = decoded((page ?? badge ?? []).slice(1));
  const [owner = '', repo = '', branch = ''] = parts ?? [];
  if (!parts || !NAME.test(owner) || !NAME.test(repo)) return notFound(res);
  const newest = await recentRuns({
    runsDir: o.runsDir,
    owner,
    repo,
    stateOf: o.stateOf,
    limit: 1,
  });
  // A repository with no run here is unknown: nothing says whether it is private.
  if (!newest[0]) return notFound(res);
  if (!(await admitRepository(req, res, repositoryOf(newest[0]), o.signIn))) return;
  // A name freed and registered again is another repository: its old runs are not listed with it.
  const repoId = newest[0].facts.repoId;
  if (badge)
    return serveBadge(
      res,
      o,
      owner,
      repo,
      (f) => f.repoId === repoId && f.branch === branch && !f.pull,
    );
  const runs = await recentRuns({
    runsDir: o.runsDir,
    owner,
    repo,
    stateOf: o.stateOf,
    limit: RUNS_SHOWN,
    want: (f) => f.repoId === repoId,
  });
  const f = newest[0].facts;
  const html = renderRepositoryPage(
    `${f.owner}/${f.repo}`,
    `${o.webUrl.replace(/\/+$/, '')}/${repositoryPath(f.owner, f.repo)}`,
    runs.map((r) => ({
      href: `/runs/${r.runId}`,
      state: r.state,
      lane: laneText(r.facts),
      title: r.commit?.title ?? '',
      sha: r.facts.sha,
      when: r.facts.queuedAt,
    })),
  );
  return sendPage(res, 200, 'text/html; charset=utf-8', html);
}

async function serveBadge(
  res: ServerResponse,
  o: RepositoryRouteOptions,
  owner: string,
  repo: string,
  want: (f: RunFacts) => boolean,
): Promise<void> {
  const [latest] = await recentRuns({
    runsDir: o.runsDir,
    owner,
    repo,
    stateOf: o.stateOf,
    limit: 1,
    want,
  });
  // The words drawn are the App's own (a status), never the branch name the URL carries.
  return sendPage(res, 200, 'image/svg+xml', statusBadgeSvg(latest?.state ?? 'unknown'));
}
