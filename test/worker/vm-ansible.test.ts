// The seed's provisioning: `contractor image build --ansible SPEC` applies the spec's plays inside
// the worker image (real ansible-core in the image's chroot), and a vm build that names the image
// with `worker-image` sees what they did.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { contractor } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { runBuild } from './run-build.js';

const images = join('/var/tmp', `contractor-test-images-${process.getuid?.() ?? 0}`);
process.env.CONTRACTOR_IMAGES = images;

test('an ansible play in the spec provisions the image the vm build runs in, and sees nothing of the host', async () => {
  const dir = tempDir('contractor-ansible-');
  // A host file the plays must not reach: they come from a spec, and a spec from a commit.
  const secret = join('/var/tmp', `contractor-ansible-secret-${Math.floor(Math.random() * 1e9)}`);
  const hostSecret = `hostsecret-${Math.floor(Math.random() * 1e9)}`;
  writeFileSync(secret, hostSecret, { mode: 0o644 });
  try {
    const marker = `provisioned-${Math.floor(Math.random() * 1e9)}`;
    writeFileSync(
      join(dir.path, 'spec.yaml'),
      [
        'worker-image: ansible-test.img',
        'ansible:',
        '  - hosts: worker',
        '    tasks:',
        '    - copy:',
        `        content: "${marker}\\n"`,
        '        dest: /etc/contractor-provisioned',
        // Every way out a chroot leaves: the path itself, and each visible process's root.
        `    - shell: "(cat ${secret}; for p in /proc/[0-9]*; do cat $p/root${secret}; done) > /leaked 2>/dev/null; true"`,
        // And every descriptor any process of theirs holds: none may be mmdebstrap's hook socket.
        '    - shell: "ls -l /proc/[0-9]*/fd/ > /fds 2>/dev/null; true"',
        'build: cat /etc/contractor-provisioned',
        '',
      ].join('\n'),
    );
    const built = await contractor(dir.path, ['image', 'build', '--ansible', 'spec.yaml'], {
      CONTRACTOR_IMAGES: images,
    });
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stdout, /image ansible-test: /);
    const r = await runBuild(new VmDriver(), {
      build: 'cat /etc/contractor-provisioned; echo leaked:; cat /leaked; echo fds:; cat /fds',
      workerImage: 'ansible-test.img',
    });
    assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, r.stderr);
    assert.match(r.stdout, new RegExp(marker));
    assert.match(r.stdout, /leaked:/, 'the play ran');
    assert.ok(!r.stdout.includes(hostSecret), `a play read the host: ${r.stdout}`);
    // Standard output and error share one socket of mmdebstrap's; the hook socket is another.
    const fds = r.stdout.slice(r.stdout.indexOf('fds:'));
    const sockets = new Set([...fds.matchAll(/socket:\[(\d+)\]/g)].map((m) => m[1]));
    assert.ok(sockets.size <= 1, `the plays held more than their output's socket:\n${fds}`);
  } finally {
    rmSync(secret, { force: true });
    dir.remove();
    // 600 MB that no other test boots.
    rmSync(join(images, 'ansible-test'), { recursive: true, force: true });
  }
});

test.run();
