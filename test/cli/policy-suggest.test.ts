// `contractor policy suggest` on result documents whose hosts and details a hostile build chose.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { parseAllDocuments } from 'yaml';
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
    assert.deepEqual(
      parseAllDocuments(r.stdout).map((d) => d.toJS()),
      [
        { network: { allow: ['mirror.test:8443', 'registry.test'] } },
        { network: { allow: ['mirror.test:8443', 'registry.test'] } },
      ],
    );
    assert.match(r.stdout, /# the run kept the first 2 of 9 requests/);
    assert.match(r.stdout, /# not allowable through the proxy: dns "evilx\\nnetwork:/);
    assert.doesNotMatch(r.stdout, /\x1b|\x07/);
    // Every line is the suggested policy or a comment: nothing the build wrote stands alone.
    for (const line of r.stdout.trimEnd().split('\n'))
      assert.match(line, /^(#|---$|network:$|  allow:$|    - [a-z0-9.:]+( #|$))/, line);
  } finally {
    dir.remove();
  }
});

test('one audited run yields spec and policy entries at once, each host once with its count', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'result.json');
    const dns = { kind: 'dns', phase: 'build', host: 'x.test', detail: 'a DNS query' };
    writeFileSync(
      file,
      JSON.stringify({
        network: [
          ...Array.from({ length: 5 }, () => audit('registry.test', 443)),
          audit('cdn.test', 443, 'build'),
        ],
        violations: [dns, dns, dns],
        policy: { source: '/home/u/.config/contractor/policy.yaml' },
      }),
    );
    const r = await contractor(dir.path, ['policy', 'suggest', file]);
    assert.equal(r.exitCode, 0, r.stderr);
    const [spec, policy] = parseAllDocuments(r.stdout).map((d) => d.toJS());
    assert.deepEqual(spec, { network: { allow: ['cdn.test', 'registry.test'] } });
    assert.deepEqual(policy, { network: { allow: ['cdn.test', 'registry.test'], build: true } });
    assert.match(r.stdout, /- registry\.test # 5 requests in setup\n/);
    assert.match(r.stdout, /- cdn\.test # 1 request in build\n/);
    assert.match(r.stdout, /in \.contractor\.yaml/);
    assert.match(r.stdout, /policy \("\/home\/u\/\.config\/contractor\/policy\.yaml"\)/);
    assert.equal(r.stdout.match(/registry\.test # /g)?.length, 1, 'the host is listed once');
    assert.match(r.stdout, /not allowable through the proxy \(3 times\): dns "x\.test"/);
    assert.equal(r.stdout.match(/a DNS query/g)?.length, 1);
  } finally {
    dir.remove();
  }
});

test.run();
