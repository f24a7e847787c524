// actions/run's AppArmor step, as a runner runs it (GITHUB_ACTION_PATH, a sudo that works), on an
// Ubuntu 24.04 host stood in for: it installs and loads the bwrap and unshare profiles there, and
// does nothing where user namespaces are not restricted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { tempDir } from '../helpers/tmp.js';

const ACTION_DIR = join(process.cwd(), 'actions', 'run');

function runStep(restricted: string): { code: number; profiles: string[]; parsed: string } {
  const t = tempDir('contractor-apparmor-step-');
  try {
    const bin = join(t.path, 'bin');
    const sysctl = join(t.path, 'sys/kernel');
    const profiles = join(t.path, 'apparmor.d');
    [bin, sysctl, profiles].forEach((d) => mkdirSync(d, { recursive: true }));
    writeFileSync(join(sysctl, 'apparmor_restrict_unprivileged_userns'), `${restricted}\n`);
    // The runner's passwordless sudo, and an apparmor_parser that says what it was asked to load.
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    writeFileSync(
      join(bin, 'apparmor_parser'),
      `#!/bin/sh\necho "$@" > ${join(t.path, 'parsed')}\n`,
      { mode: 0o755 },
    );
    const r = spawnSync('bash', ['-c', 'bash "$GITHUB_ACTION_PATH/apparmor.sh"'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        GITHUB_ACTION_PATH: ACTION_DIR,
        CONTRACTOR_SYSCTL_ROOT: join(t.path, 'sys'),
        CONTRACTOR_APPARMOR_DIR: profiles,
      },
    });
    const parsedFile = join(t.path, 'parsed');
    return {
      code: r.status ?? -1,
      profiles: ['bwrap', 'unshare'].filter((p) => existsSync(join(profiles, p))),
      parsed: existsSync(parsedFile) ? readFileSync(parsedFile, 'utf8') : '',
    };
  } finally {
    t.remove();
  }
}

test('on a host that restricts user namespaces, the bwrap and unshare profiles are installed and loaded', () => {
  const r = runStep('1');
  assert.equal(r.code, 0);
  assert.deepEqual(r.profiles, ['bwrap', 'unshare']);
  assert.match(r.parsed, /^-r \S+\/bwrap \S+\/unshare$/m);
});

test('elsewhere the step changes nothing', () => {
  const r = runStep('0');
  assert.equal(r.code, 0);
  assert.deepEqual(r.profiles, []);
  assert.equal(r.parsed, '');
});

test('the profile installed for bwrap is the per-application one, allowing userns to bwrap alone', () => {
  const profile = readFileSync(join(ACTION_DIR, '../../apparmor/bwrap'), 'utf8');
  assert.match(profile, /^profile bwrap \/usr\/bin\/bwrap flags=\(unconfined\) \{$/m);
  assert.match(profile, /^\s+userns,$/m);
});

test.run();
