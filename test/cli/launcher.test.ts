// bin/'s launcher line: run as a user runs them (executed, not handed to node), the commands start
// without NODE_EXTRA_CA_CERTS, except `app`, which talks TLS to GitHub, and pass their arguments on
// unchanged. Node warns at start when that variable names a file it cannot load, which shows
// whether the node it started still had it.
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import { CONTRACTOR, GIT_CONTRACTOR } from '../helpers/cli.js';

const MISSING = '/nonexistent/contractor-test-ca.pem';
const WARNING = /Ignoring extra certs from `\/nonexistent\/contractor-test-ca\.pem`/;

async function launch(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await execa(bin, args, {
    reject: false,
    stdin: 'ignore',
    all: true,
    // The launcher finds node on PATH, as `#!/usr/bin/env node` did.
    env: { NODE_EXTRA_CA_CERTS: MISSING, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
    extendEnv: false,
  });
  return { code: r.exitCode ?? -1, out: r.all ?? '' };
}

test('contractor and git-contractor start without NODE_EXTRA_CA_CERTS', async () => {
  for (const bin of [CONTRACTOR, GIT_CONTRACTOR]) {
    const r = await launch(bin, ['--version']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^\d+\.\d+\.\d+$/, `${bin}: ${r.out}`);
  }
});

test('node started by hand still loads it: the warning is a real signal', async () => {
  const r = await execa(process.execPath, [CONTRACTOR, '--version'], {
    reject: false,
    all: true,
    env: { NODE_EXTRA_CA_CERTS: MISSING },
  });
  assert.match(r.all ?? '', WARNING);
});

test('app commands keep it: they are the ones that open TLS connections', async () => {
  const r = await launch(CONTRACTOR, ['app', '--help']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, WARNING);
  assert.match(r.out, /serve/);
});

test('arguments reach the CLI as given: spaces, globs and quotes', async () => {
  const spec = "/no such dir/*.yaml 'x'";
  const r = await launch(CONTRACTOR, ['build', spec]);
  assert.equal(r.code, 2, r.out);
  assert.ok(r.out.includes(`cannot read spec ${spec}:`), r.out);
  assert.doesNotMatch(r.out, WARNING);
});

test.run();
