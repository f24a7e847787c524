// Fetches a job's commits into a bare cache with the installation token in a header: never in a URL,
// never in a config file, never in anything the worker receives (it gets `git archive` output only).
import { spawn } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ContractorError } from '../errors.js';
import type { AppJob } from './app-job.js';

/** A branch whose spec narrows the operator's ceiling, as fetched into the cache. */
export interface TrustedBranch {
  rev: string;
  name: string;
}

export interface FetchedSource {
  /** A bare repository holding the head commit and the trusted branches. */
  gitDir: string;
  /** The branches whose specs narrow the ceiling: the default branch, and a pull request's base. */
  trusted: TrustedBranch[];
}

// A branch name from a payload goes into a refspec: no ':' or '+', no option look-alikes, nothing git would refuse.
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\s~^:?*[\\\x00-\x1f\x7f]{1,250}$/;

function branch(name: string): string {
  if (!BRANCH.test(name) || name.endsWith('.lock') || name.endsWith('/'))
    throw new ContractorError('PROTOCOL', `refusing the branch name ${JSON.stringify(name)}`);
  return name;
}

/** The head, the default branch always (its owner sets a floor for every build), and a pull request's base. */
function refspecs(job: AppJob): { specs: string[]; trusted: TrustedBranch[] } {
  const def = branch(job.defaultBranch);
  const specs = [`+refs/heads/${def}:refs/contractor/default`];
  const trusted = [{ rev: 'refs/contractor/default', name: def }];
  if (!job.pull)
    return { specs: [`+${job.sha}:refs/contractor/commit/${job.sha}`, ...specs], trusted };
  const base = branch(job.pull.baseRef);
  // Fork heads live in the base repository as refs/pull/N/head; GitHub keeps them there.
  specs.unshift(`+refs/pull/${job.pull.number}/head:refs/contractor/pull/${job.pull.number}`);
  if (base !== def) {
    specs.push(`+refs/heads/${base}:refs/contractor/base/${base}`);
    trusted.push({ rev: `refs/contractor/base/${base}`, name: base });
  }
  return { specs, trusted };
}

/** Git's own configuration comes from these variables only: no user or system file, no credential helper. */
function gitEnv(token: string, extra: [string, string][] = []): NodeJS.ProcessEnv {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  const config: [string, string][] = [
    ['http.extraHeader', `Authorization: Basic ${basic}`],
    ['credential.helper', ''],
    ['gc.auto', '0'],
    ['protocol.version', '2'],
    ...extra,
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

export function runGit(args: string[], env: NodeJS.ProcessEnv = gitEnv('')): Promise<string> {
  return new Promise((resolve, reject) => {
    const git = spawn('git', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    let err = '';
    git.stdout.on('data', (c: Buffer) => out.push(c));
    git.stderr.on('data', (c: Buffer) => (err += c.toString()));
    git.on('error', reject);
    git.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(
            new Error(`git ${args[2] ?? args[0]} exited with ${code}: ${err.trim().slice(0, 500)}`),
          ),
    );
  });
}

const locks = new Map<string, Promise<unknown>>();

/** One fetch at a time into a given cache repository. */
function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (locks.get(key) ?? Promise.resolve()).then(fn, fn);
  locks.set(
    key,
    run.catch(() => undefined),
  );
  return run;
}

export async function fetchSource(o: {
  cacheDir: string;
  gitUrl: string;
  job: AppJob;
  token: string;
}): Promise<FetchedSource> {
  const { job } = o;
  const gitDir = join(o.cacheDir, job.owner.toLowerCase(), `${job.repo.toLowerCase()}.git`);
  const { specs, trusted } = refspecs(job);
  const url = `${o.gitUrl.replace(/\/+$/, '')}/${job.owner}/${job.repo}.git`;
  // The trusted refs are read as commits inside the lock: another job's fetch may move them afterwards.
  const pinned = await serialised(gitDir, async () => {
    const exists = await stat(join(gitDir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(gitDir, { recursive: true });
      await runGit(['init', '--bare', '--quiet', gitDir]);
    }
    try {
      await runGit(
        [
          '--git-dir',
          gitDir,
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          '--end-of-options',
          url,
          ...specs,
        ],
        gitEnv(o.token),
      );
      await runGit(['--git-dir', gitDir, 'cat-file', '-e', `${job.sha}^{commit}`]);
      const revs = await runGit([
        '--git-dir',
        gitDir,
        'rev-parse',
        ...trusted.map((t) => `${t.rev}^{commit}`),
      ]);
      return revs
        .trim()
        .split('\n')
        .map((rev, i) => ({ rev, name: trusted[i]?.name ?? '' }));
    } catch (err) {
      throw new ContractorError(
        'GIT',
        `cannot fetch ${job.sha.slice(0, 12)} from ${job.owner}/${job.repo}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
  return { gitDir, trusted: pinned };
}
