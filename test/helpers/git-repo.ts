// Real git repositories for tests, made with the git command line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './tmp.js';

export interface TestRepo {
  path: string;
  git: (...args: string[]) => string;
  write: (file: string, text: string) => void;
  commitAll: (message: string) => string;
  remove: () => void;
}

export function makeRepo(files: Record<string, string> = {}): TestRepo {
  const t = tempDir('contractor-repo-');
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', t.path, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t.invalid',
      },
    }).trim();
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(join(t.path, file)), { recursive: true });
    writeFileSync(join(t.path, file), text);
  };
  git('init', '-q', '-b', 'main');
  for (const [f, text] of Object.entries(files)) write(f, text);
  const commitAll = (message: string): string => {
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { path: t.path, git, write, commitAll, remove: t.remove };
}

/** Repositories whose one commit holds a .contractor.yaml, removed together in test.after. */
export function specRepos(): {
  make: (spec: string, files?: Record<string, string>) => TestRepo;
  removeAll: () => void;
} {
  const repos: TestRepo[] = [];
  return {
    make: (spec, files = {}) => {
      const repo = makeRepo({ '.contractor.yaml': spec, ...files });
      repo.commitAll('spec');
      repos.push(repo);
      return repo;
    },
    removeAll: () => repos.forEach((r) => r.remove()),
  };
}
