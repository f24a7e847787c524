// The terminal summary of a run: what the build chose is shown as text, and a screenful at most.
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { test } from 'uvu';
import type { JobResult } from '../../src/manager/job.js';
import { summaryLines } from '../../src/report/summary.js';

test('the summary shows hostile artifact paths, hosts and details as text', () => {
  const r = {
    status: 'violation',
    commit: null,
    driver: 'namespace',
    durationMs: 10,
    summary: 'violation \x1b]0;t\x07',
    phases: [],
    violations: [{ kind: 'network', phase: 'build', host: 'h\x1b[2J', port: 80, detail: 'd\x07' }],
    artifacts: [{ path: 'out/\x1b]52;c;eA==\x07x', size: 1, sha256: 'a'.repeat(64) }],
    log: '/tmp/log.txt',
    attestation: null,
  } as unknown as JobResult;
  const text = summaryLines(r, new Chalk({ level: 0 })).join('\n');
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/);
  assert.match(text, /out\/\^\[\]52;c;eA==\^Gx/);
  assert.match(text, /h\^\[\[2J:80/);
});

test('a summary of 200,000 artifacts shows fifty and says how many more', () => {
  // Spread into one push, the rows of a site's worth of files overflowed the stack.
  const artifacts = Array.from({ length: 200_000 }, (_, i) => ({
    path: `site/${i}.html`,
    size: 1,
    sha256: 'b'.repeat(64),
  }));
  const r = {
    status: 'passed',
    commit: null,
    driver: 'namespace',
    durationMs: 10,
    summary: 'passed',
    phases: [],
    violations: [],
    artifacts,
    log: '/tmp/log.txt',
    attestation: null,
  } as unknown as JobResult;
  const lines = summaryLines(r, new Chalk({ level: 0 }));
  assert.equal(lines.filter((l) => l.includes('site/')).length, 50);
  assert.ok(lines.includes('    … and 199950 more (all are in result.json)'), lines.join('\n'));
});

test.run();
