// A runsc that reports its sandbox stopped gives pid -1. The driver kept it and, at the job's end
// (its wall limit, a cancel), sent SIGKILL to it: kill(-1) as root ends every process the caller
// may signal, the whole host. runsc cannot be made to do this on cue, so a stand-in on PATH
// answers as a stopped sandbox's runsc does, and the job runs in a pid namespace of its own, where
// a regression would end only a sleeper the test watches.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';

const CHILD = fileURLToPath(new URL('./gvisor-stopped-child.js', import.meta.url));

test('a sandbox runsc reports stopped (pid -1) fails the job, and nothing is killed', () => {
  // Not under /tmp, which a namespace test may cover; the stand-in must be found first on PATH.
  const bin = mkdtempSync('/var/tmp/contractor-fake-runsc-');
  try {
    writeFileSync(
      join(bin, 'runsc'),
      '#!/bin/sh\ncase " $* " in\n' +
        '  *" state "*) echo \'{"id":"x","status":"stopped","pid":-1}\' ;;\n' +
        '  *" run "*) echo "sandbox: gofer died at start" >&2 ;;\n' +
        '  *) exit 0 ;;\nesac\n',
      { mode: 0o755 },
    );
    const script =
      'sleep 60 & sleeper=$!; ' +
      `PATH=${bin}:$PATH node ${CHILD}; ` +
      'if kill -0 $sleeper 2>/dev/null; then echo sleeper-alive; else echo sleeper-killed; fi; ' +
      'kill $sleeper 2>/dev/null; true';
    const unshare = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
    const out = execFileSync(
      'unshare',
      [...unshare, '--pid', '--fork', '--mount-proc', 'sh', '-c', script],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const [result, sleeper] = out.trim().split('\n').slice(-2);
    assert.equal(sleeper, 'sleeper-alive', out);
    const outcome = JSON.parse(result as string) as { ran: boolean; error?: string };
    assert.equal(outcome.ran, false, out);
    assert.match(outcome.error ?? '', /runsc started no sandbox: it reports stopped, pid -1/);
    // What runsc wrote as the sandbox died is what tells the operator why.
    assert.match(outcome.error ?? '', /it said: sandbox: gofer died at start/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test.run();
