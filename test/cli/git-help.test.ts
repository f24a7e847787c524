// `git contractor --help`: git turns it into `git help contractor`, which asks man for git-contractor(1).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { test } from 'uvu';
import { GIT_CONTRACTOR } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));

/** A prefix laid out as `npm install -g` (and `npm link`) lays one out: bin/ and share/man/. */
function npmPrefix(dir: string): string {
  const pkg = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { man?: string[] };
  mkdirSync(join(dir, 'bin'));
  symlinkSync(GIT_CONTRACTOR, join(dir, 'bin', 'git-contractor'));
  mkdirSync(join(dir, 'share', 'man', 'man1'), { recursive: true });
  for (const page of pkg.man ?? [])
    symlinkSync(join(PACKAGE, '..', page), join(dir, 'share', 'man', 'man1', basename(page)));
  return join(dir, 'bin');
}

test('git contractor --help opens a manual page, as git asks man for one', async () => {
  const prefix = tempDir('contractor-prefix-');
  const cwd = tempDir('contractor-help-cwd-');
  try {
    const env: Record<string, string | undefined> = {
      ...process.env,
      PATH: `${npmPrefix(prefix.path)}:${process.env.PATH ?? ''}`,
      MANPAGER: 'cat',
      PAGER: 'cat',
      MANWIDTH: '100',
    };
    delete env.MANPATH;
    const r = await execa('git', ['contractor', '--help'], {
      cwd: cwd.path,
      env,
      extendEnv: false,
      reject: false,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /git-contractor - build and test commits/);
    assert.match(r.stdout, /git contractor show \[REV\] \[--json\]/);
    // git passes -h through to the command itself.
    const short = await execa('git', ['contractor', '-h'], {
      cwd: cwd.path,
      env,
      extendEnv: false,
    });
    assert.match(short.stdout, /Usage: /);
  } finally {
    prefix.remove();
    cwd.remove();
  }
});

test.run();
