// `contractor policy suggest` on result documents whose hosts and details a hostile build chose.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { parse } from 'yaml';
import { contractor } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const audit = (host: string, port: number, phase = 'setup') => ({
  time: '2026-11-30T00:00:00.000Z',
  phase,
  method: 'CONNECT',
  host,
  port,
  decision: 'allow',
  bytesUp: 1,
  bytesDown: 1,
});

test('a suggestion is the allowlist and comments only, whatever the build named', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'result.json');
    const injected = 'x\nnetwork:\n  allow: ["*"]\n  build: true\n#';
    writeFileSync(
      file,
      JSON.stringify({
        network: [audit('registry.test', 443), audit('mirror.test', 8443)],
        violations: [
          { kind: 'network', phase: 'build', host: 'registry.test', port: 443, detail: 'x' },
          {
            kind: 'dns',
            phase: 'build',
            host: `evil${injected}`,
            detail: `q\x1b]0;t\x07${injected}`,
          },
        ],
        omitted: { violations: 0, network: 7 },
      }),
    );
    const r = await contractor(dir.path, ['policy', 'suggest', file]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(parse(r.stdout), {
      network: { allow: ['mirror.test:8443', 'registry.test'] },
    });
    assert.match(r.stdout, /# the run kept the first 2 of 9 requests/);
    assert.match(r.stdout, /# not allowable through the proxy: dns "evilx\\nnetwork:/);
    assert.doesNotMatch(r.stdout, /\x1b|\x07/);
    // Every line is the suggested policy or a comment: nothing the build wrote stands alone.
    for (const line of r.stdout.trimEnd().split('\n'))
      assert.match(line, /^(#|network:|  allow:|    - )/, line);
  } finally {
    dir.remove();
  }
});

test.run();
