// The report page's header for a run: names from the webhook and the commit, links to them on GitHub.
import type { RunHeader } from '../report/report-page.js';
import type { CommitFacts, RunFacts } from './run-facts.js';

/** A path segment by segment: a branch like `a/b` stays readable, `?`, `#` and `..` stay inert. */
function segments(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function repositoryPath(owner: string, repo: string): string {
  return `${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

export function laneText(f: Pick<RunFacts, 'branch' | 'pull'>): string {
  if (f.pull) return `pull request #${f.pull.number} into ${f.pull.baseRef}`;
  return f.branch ? `branch ${f.branch}` : 'no branch';
}

export function runHeader(webUrl: string, f: RunFacts, c: CommitFacts | undefined): RunHeader {
  const repo = `${webUrl.replace(/\/+$/, '')}/${repositoryPath(f.owner, f.repo)}`;
  const lane = f.pull
    ? { text: laneText(f), url: `${repo}/pull/${f.pull.number}` }
    : f.branch
      ? { text: laneText(f), url: `${repo}/tree/${segments(f.branch)}` }
      : undefined;
  return {
    repository: { name: `${f.owner}/${f.repo}`, url: repo },
    runsPage: `/repos/${repositoryPath(f.owner, f.repo)}`,
    ...(lane ? { lane } : {}),
    commit: {
      url: `${repo}/commit/${encodeURIComponent(f.sha)}`,
      ...(c?.title ? { title: c.title } : {}),
      ...(c?.authorName
        ? {
            author: {
              name: c.authorName,
              ...(c.authorEmail
                ? { url: `${repo}/commits?author=${encodeURIComponent(c.authorEmail)}` }
                : {}),
            },
          }
        : {}),
    },
  };
}
