// Hosts that restrict unprivileged user namespaces (Ubuntu's AppArmor default, Debian's and the
// kernel's sysctls), stood in for by a directory of sysctl files: doctor and every namespace job
// name the restriction and its fix of least reach, never bubblewrap's raw words alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { suite } from 'uvu';
import { NamespaceDriver } from '../../src/worker/namespace/namespace-driver.js';
import {
  UsernsRestrictedError,
  usernsRestriction,
  type HostRoots,
} from '../../src/worker/namespace/userns-restriction.js';
import { CONTRACTOR } from '../helpers/cli.js';
import { runBuild } from './run-build.js';

const RESTRICTIONS = {
  'kernel.apparmor_restrict_unprivileged_userns': '1',
  'kernel.unprivileged_userns_clone': '0',
  'user.max_user_namespaces': '0',
} as const;

/** A stand-in /proc/sys with one sysctl set (and the others at their permissive values), and an empty /etc/apparmor.d. */
function host(sysctl?: keyof typeof RESTRICTIONS, value?: string): HostRoots {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-host-'));
  const settings: Record<string, string> = {
    'kernel.apparmor_restrict_unprivileged_userns': '0',
    'kernel.unprivileged_userns_clone': '1',
    'user.max_user_namespaces': '15000',
  };
  if (sysctl) settings[sysctl] = value ?? RESTRICTIONS[sysctl];
  for (const [name, v] of Object.entries(settings)) {
    const file = join(dir, 'sys', ...name.split('.'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${v}\n`);
  }
  mkdirSync(join(dir, 'apparmor.d'));
  return { sysctl: join(dir, 'sys'), apparmor: join(dir, 'apparmor.d') };
}

const removeHost = (r: HostRoots): void =>
  rmSync(dirname(r.sysctl), { recursive: true, force: true });

const t = suite('restricted user namespaces');

for (const name of Object.keys(RESTRICTIONS) as (keyof typeof RESTRICTIONS)[]) {
  t(`doctor names ${name}=${RESTRICTIONS[name]} and its fix`, async () => {
    const roots = host(name);
    try {
      const p = await new NamespaceDriver({ hostRoots: roots }).probe();
      assert.equal(p.ok, false, p.detail);
      assert.ok(p.detail.includes(`${name}=${RESTRICTIONS[name]}`), p.detail);
      assert.match(p.detail, name.includes('apparmor') ? /apparmor_parser -r/ : /sysctl -w/);
    } finally {
      removeHost(roots);
    }
  });
}

t('the AppArmor advice is the bwrap profile, never the restriction switched off', () => {
  const roots = host('kernel.apparmor_restrict_unprivileged_userns');
  try {
    const r = usernsRestriction(roots);
    assert.ok(r);
    assert.match(r.advice, /\/apparmor\/bwrap /);
    assert.doesNotMatch(r.advice, /apparmor_restrict_unprivileged_userns=0/);
  } finally {
    removeHost(roots);
  }
});

t('with the profiles installed, the AppArmor restriction does not stop the driver', async () => {
  const roots = host('kernel.apparmor_restrict_unprivileged_userns');
  try {
    for (const p of ['bwrap', 'unshare']) writeFileSync(join(roots.apparmor, p), '');
    assert.equal(usernsRestriction(roots), undefined);
    const p = await new NamespaceDriver({ hostRoots: roots }).probe();
    assert.equal(p.ok, true, p.detail);
  } finally {
    removeHost(roots);
  }
});

t('a permissive host, or a kernel without these sysctls, is not restricted', () => {
  const roots = host();
  try {
    assert.equal(usernsRestriction(roots), undefined);
    assert.equal(
      usernsRestriction({ sysctl: '/nonexistent', apparmor: '/nonexistent' }),
      undefined,
    );
  } finally {
    removeHost(roots);
  }
});

for (const name of Object.keys(RESTRICTIONS) as (keyof typeof RESTRICTIONS)[]) {
  t(
    `a namespace job on a host with ${name}=${RESTRICTIONS[name]} fails at once, with the fix`,
    async () => {
      const roots = host(name);
      try {
        const err = await runBuild(new NamespaceDriver({ hostRoots: roots }), {
          build: 'echo BUILD-RAN',
        }).catch((e: unknown) => e);
        assert.ok(err instanceof UsernsRestrictedError, String(err));
        assert.equal(err.code, 'CONFINEMENT');
        assert.equal(err.setting, `${name}=${RESTRICTIONS[name]}`);
      } finally {
        removeHost(roots);
      }
    },
  );
}

t("bubblewrap's raw uid-map refusal comes back as the AppArmor advice", async () => {
  // Not under /tmp: the holder mounts its own state there. The stand-in unshare fails as bwrap
  // does under Ubuntu's restriction, which no sysctl here foretold.
  const bin = mkdtempSync(join('/var/tmp', 'contractor-tools-'));
  chmodSync(bin, 0o755);
  const real = execFileSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).trim();
  symlinkSync(real, join(bin, 'setpriv'));
  writeFileSync(
    join(bin, 'unshare'),
    '#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  const roots = host();
  try {
    const driver = new NamespaceDriver({ toolPath: bin, hostRoots: roots });
    const err = await runBuild(driver, { build: 'echo BUILD-RAN' }).catch((e: unknown) => e);
    assert.ok(err instanceof UsernsRestrictedError, String(err));
    assert.match(err.message, /AppArmor/);
    assert.match(err.message, /apparmor_parser -r/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
    removeHost(roots);
  }
});

t('contractor doctor reads the sysctls stood in for it', async () => {
  const roots = host('kernel.unprivileged_userns_clone');
  try {
    const r = await execa(
      process.execPath,
      [
        CONTRACTOR,
        'doctor',
        '--json',
        '--sysctl-root',
        roots.sysctl,
        '--apparmor-dir',
        roots.apparmor,
      ],
      { reject: false },
    );
    const probes = JSON.parse(r.stdout) as { driver: string; ok: boolean; detail: string }[];
    const ns = probes.find((p) => p.driver === 'namespace');
    assert.equal(ns?.ok, false, r.stdout);
    assert.match(ns.detail, /kernel\.unprivileged_userns_clone=0/);
  } finally {
    removeHost(roots);
  }
});

t.run();
