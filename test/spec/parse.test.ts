import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { SpecError } from '../../src/errors.js';
import { parseSpec, readSpec } from '../../src/spec/parse.js';
import { tempDir } from '../helpers/tmp.js';

function problems(text: string): string[] {
  try {
    parseSpec(text, 'spec.yaml');
  } catch (err) {
    assert.ok(err instanceof SpecError, `not a SpecError: ${String(err)}`);
    return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  }
  assert.fail('the spec was accepted');
}

test('reads every key of the seed and of ours into a typed spec', () => {
  const spec = parseSpec(
    [
      'worker-image: worker.img',
      'source: .',
      'workspace: ws',
      'setup: npm ci',
      'build: make',
      'driver: gvisor',
      'network:',
      '  allow: [registry.example, "*.example.org:8443", "127.0.0.1:8080", "[::1]:9000"]',
      'limits: {wall: 90s, cpu: 10m, memory: 512MiB, processes: 64, disk: 2GiB, log: 1MiB, bandwidth: 10MiB/s}',
      'artifacts: [out/*.tar.gz, hello]',
      'env: {CC: gcc, JOBS: 2, DEBUG: false}',
    ].join('\n'),
    'spec.yaml',
  );
  assert.equal(spec.driver, 'gvisor');
  assert.deepEqual(spec.limits, {
    wallMs: 90_000,
    cpuMs: 600_000,
    memoryBytes: 512 * 1024 ** 2,
    processes: 64,
    diskBytes: 2 * 1024 ** 3,
    logBytes: 1024 ** 2,
    bandwidthBytesPerSec: 10 * 1024 ** 2,
  });
  assert.deepEqual(spec.env, { CC: 'gcc', JOBS: '2', DEBUG: 'false' });
  assert.equal(spec.allow.length, 4);
  assert.equal(spec.workspace, 'ws');
});

test('points a misspelt top-level key at its line and column with a suggestion', () => {
  assert.deepEqual(problems('build: make\nartefacts: [x]\n'), [
    '2:1: unknown key "artefacts"; did you mean "artifacts"?',
  ]);
});

test('names the nested field and suggests for a misspelt limit', () => {
  assert.deepEqual(problems('build: make\nlimits:\n  memroy: 1GiB\n'), [
    '3:3: unknown key "memroy" in limits; did you mean "memory"?',
  ]);
});

test('a key with two letters swapped gets its suggestion, as buidl gets build', () => {
  const found = problems('buidl: make\n');
  assert.ok(found.includes('1:1: unknown key "buidl"; did you mean "build"?'), found.join('\n'));
  assert.deepEqual(problems('build: make\nsteup: npm ci\n'), [
    '2:1: unknown key "steup"; did you mean "setup"?',
  ]);
});

test('lists the known keys when nothing is close', () => {
  const [p] = problems('build: make\nzzzzzzzz: 1\n');
  assert.match(p ?? '', /^2:1: unknown key "zzzzzzzz"; known keys: worker-image, ansible, /);
});

test('points a bad value at the value, naming the field', () => {
  assert.deepEqual(problems('build: make\nlimits:\n  wall: soon\n'), [
    '3:9: limits.wall: "soon" is not valid here (A duration such as 90s, 10m, 1h.)',
  ]);
});

test("refuses a workspace that is the spec's own directory or inside .git, at its value", () => {
  for (const ws of ['.', './', './/.'])
    assert.deepEqual(problems(`build: make\nworkspace: "${ws}"\n`), [
      `2:12: workspace "${ws}" is the directory the spec is in; name a directory inside it`,
    ]);
  for (const ws of ['.git', '.git/hooks', 'a/.GIT/b', './.Git'])
    assert.deepEqual(problems(`build: make\nworkspace: "${ws}"\n`), [
      `2:12: workspace "${ws}" is inside git's own directory; name a directory of the work tree`,
    ]);
  for (const ws of ['cache', '.cache/contractor', 'a/.gitx', 'build/.github'])
    assert.equal(parseSpec(`build: make\nworkspace: ${ws}\n`, 'spec.yaml').workspace, ws);
});

test('refuses an unknown driver naming the allowed ones', () => {
  assert.deepEqual(problems('build: make\ndriver: docker\n'), [
    '2:9: driver: "docker" is not one of "namespace", "gvisor", "vm"',
  ]);
});

test('refuses allowlist entries that are not host, host:port or *.suffix', () => {
  const found = problems(
    'build: x\nnetwork:\n  allow:\n    - ok.example\n    - "http://x"\n    - "*"\n    - "a..b"\n',
  );
  assert.equal(found.length, 3);
  assert.match(found[0] ?? '', /^5:7: network\.allow\[1\]: "http:\/\/x"/);
});

test('refuses artifact paths and a workspace that climb out or are absolute', () => {
  const found = problems(
    'build: x\nworkspace: ../up\nartifacts: [/etc/passwd, a/../../b, ok/file]\n',
  );
  assert.equal(found.length, 3);
  assert.match(found[0] ?? '', /^2:12: workspace:/);
  assert.match(found[1] ?? '', /^3:13: artifacts\[0\]:/);
});

test('requires a build script', () => {
  assert.deepEqual(problems('source: .\n'), ['1:1: missing required key "build" in the spec']);
});

test('refuses a document that is not a mapping', () => {
  assert.deepEqual(problems('- build\n- x\n'), ['1:1: the spec: must be a mapping, not a list']);
  assert.deepEqual(problems(''), ['1:1: the spec: must be a mapping, not null']);
});

test('reports YAML syntax errors with their position', () => {
  const found = problems('build: make\nlimits: [\n');
  assert.ok(found.length >= 1);
  assert.match(found[0] ?? '', /^\d+:\d+: /);
  assert.notEqual(found[0]?.slice(0, 3), '1:1');
});

test('refuses duplicate keys instead of keeping the last', () => {
  assert.deepEqual(problems('build: a\nbuild: b\n'), ['2:1: Map keys must be unique']);
});

test('refuses a billion-laughs alias bomb', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) {
    const prev = String.fromCharCode(97 + i);
    const next = String.fromCharCode(98 + i);
    lines.push(
      `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
    );
  }
  lines.push('build: make');
  assert.throws(() => parseSpec(lines.join('\n'), 'bomb.yaml'), /alias|Excessive/i);
});

test('refuses env names that are not shell identifiers', () => {
  const [p] = problems('build: x\nenv:\n  "BAD NAME": 1\n');
  assert.match(p ?? '', /env/);
});

test('a spec file over 1 MiB is refused by its size before it is read, however big', async () => {
  const dir = tempDir();
  try {
    const over = join(dir.path, 'over.yaml');
    writeFileSync(over, `build: "true"\n#${'x'.repeat(1024 * 1024 - 15)}\n`);
    await assert.rejects(readSpec(over), (err: unknown) => {
      assert.ok(err instanceof SpecError && err.code === 'SPEC_INVALID', String(err));
      assert.equal(err.message, `${over}:1:1: spec is 1048577 bytes; the limit is 1 MiB`);
      return true;
    });
    // Sparse, so it costs no disk: reading it whole would fail on its size, not refuse it.
    const huge = join(dir.path, 'huge.yaml');
    writeFileSync(huge, '');
    truncateSync(huge, 3 * 1024 ** 3);
    await assert.rejects(readSpec(huge), /huge\.yaml:1:1: spec is 3221225472 bytes/);
    writeFileSync(over, 'build: "true"\n');
    assert.equal((await readSpec(over)).build, 'true');
  } finally {
    dir.remove();
  }
});

test.run();
