// Diagnostics read from what real compilers print, and paths from a hostile log kept inside the commit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { CommitDiagnosticsCollector } from '../../src/report/commit-diagnostics.js';
import { commitPathOf } from '../../src/report/diagnostic-path.js';
import { parseDiagnostics, type Diagnostic } from '../../src/report/diagnostics.js';
import { tempDir } from '../helpers/tmp.js';

/** What a tool printed (stdout and stderr, as a build log holds both), run in dir. */
function printed(dir: string, cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: { ...process.env } });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}

function where(d: Diagnostic | undefined): string {
  const at = d?.locations.at(-1);
  return `${at?.file}:${at?.line}:${at?.col ?? '-'} ${d?.level}`;
}

test('gcc in colour: errors and warnings at file, line and column, notes left out', () => {
  const tmp = tempDir();
  try {
    mkdirSync(join(tmp.path, 'lib'));
    writeFileSync(
      join(tmp.path, 'lib', 'bad.c'),
      'int f(void) {\n  int unused;\n  return undeclared;\n}\n',
    );
    const log = printed(tmp.path, 'gcc', [
      '-Wall',
      '-fdiagnostics-color=always',
      '-c',
      'lib/bad.c',
      '-o',
      '/dev/null',
    ]);
    assert.match(log, /\x1b\[/, 'gcc wrote colour');
    const found = parseDiagnostics(log);
    assert.match(log, /note: /, 'gcc wrote a note');
    assert.deepEqual(found.map(where), [
      'lib/bad.c:3:10 failure',
      'lib/bad.c:2:7 warning',
      'lib/bad.c:4:1 warning',
    ]);
    assert.match(found[0]?.message ?? '', /undeclared/);
    assert.deepEqual(found[1]?.code, '-Wunused-variable');
    assert.doesNotMatch(found[0]?.message ?? '', /\x1b/);
  } finally {
    tmp.remove();
  }
});

test('tsc, plain and pretty: its code is the title', () => {
  const tmp = tempDir();
  try {
    writeFileSync(join(tmp.path, 'a.ts'), 'const n: number = "text";\nexport {};\n');
    const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc');
    const plain = parseDiagnostics(
      printed(tmp.path, tsc, ['--noEmit', '--pretty', 'false', 'a.ts']),
    );
    assert.deepEqual(plain.map(where), ['a.ts:1:7 failure']);
    assert.deepEqual(plain[0]?.code, 'TS2322');
    const pretty = parseDiagnostics(
      printed(tmp.path, tsc, ['--noEmit', '--pretty', 'true', 'a.ts']),
    );
    assert.deepEqual(pretty.map(where), ['a.ts:1:7 failure']);
  } finally {
    tmp.remove();
  }
});

test('rustc: the location under the error line, secondary spans ignored', () => {
  const tmp = tempDir();
  try {
    writeFileSync(join(tmp.path, 'main.rs'), 'fn main() {\n    let x: i32 = "s";\n}\n');
    const rustc = ['/root/.cargo/bin/rustc', 'rustc'].find(
      (c) => !spawnSync(c, ['--version']).error,
    );
    assert.ok(rustc, 'rustc is installed');
    const found = parseDiagnostics(printed(tmp.path, rustc, ['--color', 'always', 'main.rs']));
    assert.deepEqual(found.map(where), ['main.rs:2:18 failure']);
    assert.deepEqual(found[0]?.code, 'E0308');
    assert.match(found[0]?.message ?? '', /mismatched types/);
  } finally {
    tmp.remove();
  }
});

test('a Python traceback: every frame is a candidate, the exception is the message', () => {
  const tmp = tempDir();
  try {
    writeFileSync(join(tmp.path, 'helper.py'), 'def boom():\n    raise ValueError("bad value")\n');
    writeFileSync(join(tmp.path, 'main.py'), 'import helper\n\nhelper.boom()\n');
    const log = `running\n${printed(tmp.path, '/usr/bin/python3', ['main.py'])}after\n`;
    const [d, ...rest] = parseDiagnostics(log);
    assert.deepEqual(rest, []);
    assert.deepEqual(
      d?.locations.map((l) => `${l.file.replace(tmp.path, '.')}:${l.line}`),
      ['./main.py:3', './helper.py:2'],
    );
    assert.deepEqual(d?.message, 'ValueError: bad value');
    assert.deepEqual(d?.logLine, 2);
  } finally {
    tmp.remove();
  }
});

test('eslint unix format: the rule is the code, the severity the level', () => {
  const found = parseDiagnostics(
    "/workspace/src/web/app.js:3:7: 'x' is assigned a value but never used. [Error/no-unused-vars]\n" +
      '/workspace/src/web/app.js:9:1: Unexpected console statement. [Warning/no-console]\n\n2 problems\n',
  );
  assert.deepEqual(found.map(where), [
    '/workspace/src/web/app.js:3:7 failure',
    '/workspace/src/web/app.js:9:1 warning',
  ]);
  assert.deepEqual(
    found.map((d) => d.code),
    ['no-unused-vars', 'no-console'],
  );
});

test('printed paths: .. never leaves the source, absolute ones map back only from the workspace', () => {
  assert.deepEqual(commitPathOf('src/a.c'), 'src/a.c');
  assert.deepEqual(commitPathOf('./src/../src/a.c'), 'src/a.c');
  assert.deepEqual(commitPathOf('/workspace/src/lib/a.c'), 'lib/a.c');
  assert.deepEqual(commitPathOf('/workspace/src/lib/../../src/a.c'), 'a.c');
  assert.deepEqual(commitPathOf('../../etc/passwd'), undefined);
  assert.deepEqual(commitPathOf('a/../../b.c'), undefined);
  assert.deepEqual(commitPathOf('/workspace/src/../../etc/passwd'), undefined);
  assert.deepEqual(commitPathOf('/workspace/src-evil/a.c'), undefined);
  assert.deepEqual(commitPathOf('/workspace/src'), undefined);
  assert.deepEqual(commitPathOf('/etc/passwd'), undefined);
  assert.deepEqual(commitPathOf('/home/runner/work/a.c'), undefined);
  assert.deepEqual(commitPathOf('a\u0007.c'), undefined);
  assert.deepEqual(commitPathOf('C:\\src\\a.c'), undefined);
});

test('only files of the commit are kept, once each, up to the cap, the rest counted', () => {
  const tree = new Set(['lib/a.c', 'main.py']);
  const c = new CommitDiagnosticsCollector((p) => tree.has(p), 3);
  const log = [
    'lib/a.c:1:1: error: one',
    'lib/a.c:1:1: error: one',
    '../lib/a.c:2:1: error: escapes',
    '/usr/include/stdio.h:5:1: warning: system header',
    'missing.c:1:1: error: not in the commit',
    'lib/a.c:0:1: error: no such line',
    '/workspace/src/lib/a.c:3:2: warning: absolute',
    '  File "/workspace/src/main.py", line 4, in <module>',
    '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads',
    'json.decoder.JSONDecodeError: Expecting value',
    'lib/a.c:5:1: error: past the cap',
    'lib/a.c:6:1: error: past the cap too',
  ].join('\n');
  parseDiagnostics(log).forEach((d) => c.add(d));
  const r = c.result();
  assert.deepEqual(
    r.kept.map((d) => `${d.path}:${d.line} ${d.message}`),
    [
      'lib/a.c:1 one',
      'lib/a.c:3 absolute',
      'main.py:4 json.decoder.JSONDecodeError: Expecting value',
    ],
  );
  assert.deepEqual(r.inCommit, 5);
  assert.deepEqual(r.elsewhere, 4);
});

test.run();
