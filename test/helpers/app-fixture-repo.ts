// The repository the API double serves as Codertocat/Hello-World (the examples' repository): a base
// branch whose spec sets the ceilings, and heads that narrow, widen, drop the spec or misbehave.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type TestRepo } from './git-repo.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';

export const BASE_SPEC = `build: make
network:
  allow: [registry.npmjs.org, "*.pythonhosted.org"]
limits:
  wall: 10m
  memory: 1GiB
artifacts: [dist/hello.txt]
`;

export interface FixtureRepo {
  work: TestRepo;
  bare: string;
  baseSha: string;
  /** A commit on top of the base with this build script (and allowlist), pushed as refs/heads/NAME or another ref. */
  commit: (o: {
    build: string;
    allow?: string[];
    wall?: string;
    noSpec?: boolean;
    /** More files of the commit, by path. */
    files?: Record<string, string>;
    ref: string;
  }) => string;
}

export function fixtureRepo(gitRoot: string, name = REPO): FixtureRepo {
  const work = makeRepo({ '.contractor.yaml': BASE_SPEC, 'README.md': '# Hello\n' });
  work.git('branch', '-m', 'master');
  const baseSha = work.commitAll('base');
  const bare = join(gitRoot, OWNER, `${name}.git`);
  mkdirSync(join(gitRoot, OWNER), { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'master', bare]);
  work.git('push', '-q', bare, 'master:refs/heads/master');
  let n = 0;
  const commit: FixtureRepo['commit'] = (o) => {
    work.git('checkout', '-q', '--detach', baseSha);
    if (o.noSpec) work.git('rm', '-q', '.contractor.yaml');
    else
      work.write(
        '.contractor.yaml',
        `build: ${JSON.stringify(o.build)}\nnetwork:\n  allow: ${JSON.stringify(o.allow ?? ['registry.npmjs.org'])}\nlimits:\n  wall: ${o.wall ?? '5m'}\nartifacts: [dist/hello.txt]\n`,
      );
    for (const [path, text] of Object.entries(o.files ?? {})) work.write(path, text);
    work.write('change.txt', `change ${n++}\n`);
    const sha = work.commitAll(`head ${o.build}`);
    work.git('push', '-q', '-f', bare, `HEAD:${o.ref}`);
    return sha;
  };
  return { work, bare, baseSha, commit };
}
