// gcc's diagnostics in a real build's log become check run annotations, for files of the commit only.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unsignedLocalExecutor } from '../../src/manager/executor.js';
import { completed, startHarness, type Harness } from '../helpers/app-harness.js';
import { deliver, example, retarget } from '../helpers/webhook-examples.js';

let h: Harness;

test.before(async () => {
  h = await startHarness({ execute: unsignedLocalExecutor });
});
test.after(async () => {
  await h.close();
});
test.after.each(() => {
  const problems = h.double.problems.splice(0);
  if (problems.length) console.error(`API double problems:\n${problems.join('\n')}`);
  assert.equal(problems, [], "every request matches GitHub's OpenAPI description");
});

interface Annotation {
  path: string;
  start_line: number;
  start_column?: number;
  annotation_level: string;
  title?: string;
  message: string;
}

const WARNINGS = 210;
const manyWarnings = `void f(void) {\n${Array.from({ length: WARNINGS }, (_, i) => `  int unused${i};\n`).join('')}}\n`;

// The log is the build's: it names files outside the workspace, escapes with .., files the commit
// lacks, and a link in the commit pointing out of it.
const BUILD = [
  'gcc -Wall -c /workspace/src/lib/abs.c -o /tmp/abs.o || true',
  'gcc -Wall -c src/warn.c -o /tmp/warn.o || true',
  "printf '../../etc/passwd:1:1: error: escape\\n/etc/passwd:2:1: error: outside\\nmissing.c:3:1: error: absent\\n'",
  "printf 'out/passwd:1:1: error: through a link\\nlink.c:1:1: error: a link itself\\n'",
  'exit 1',
].join('\n');

test('a real gcc build: its errors and warnings are annotated at their line, 50 per request', async () => {
  const ref = 'refs/heads/diagnostics';
  const files = {
    'lib/abs.c': 'int g(void) {\n  return missing_name;\n}\n',
    'src/warn.c': manyWarnings,
  };
  h.repo.commit({ build: BUILD, ref, files });
  // Symlinks of the commit are no files of it to annotate, nor is what lies beyond them.
  symlinkSync('/etc', join(h.repo.work.path, 'out'));
  symlinkSync('lib/abs.c', join(h.repo.work.path, 'link.c'));
  const sha = h.repo.work.commitAll('links');
  h.repo.work.git('push', '-q', '-f', h.repo.bare, `HEAD:${ref}`);
  const p = retarget(
    example('push', null, (x) => Boolean(x.installation) && x.deleted === false),
    { '6113728f27ae82c7b1a177c8d03f9e96e0adf246': sha },
  );
  await deliver(h.app.url, 'push', p);
  const [run] = await h.waitForRuns(sha, completed(), 300_000);
  assert.ok(run);
  assert.is(run.conclusion, 'failure');
  const annotations = run.annotations as unknown as Annotation[];
  const batches = run.updates
    .map((u) => (u.output as { annotations?: unknown[] } | undefined)?.annotations?.length ?? 0)
    .filter((n) => n > 0);
  assert.equal(batches, [50, 50, 50, 50]);
  const [first, second, third] = annotations;
  assert.equal(
    { ...first, message: first?.message.replace(/‘|’|'/g, '"') },
    {
      path: 'lib/abs.c',
      start_line: 2,
      end_line: 2,
      start_column: 10,
      end_column: 10,
      annotation_level: 'failure',
      title: 'error',
      message: `"missing_name" undeclared (first use in this function) (log line 2)`,
    },
  );
  assert.is(`${second?.path}:${second?.start_line} ${second?.title}`, 'lib/abs.c:3 -Wreturn-type');
  // gcc names unused variables last to first.
  assert.is(`${third?.path}:${third?.start_line}`, `src/warn.c:${WARNINGS + 1}`);
  assert.is(third?.annotation_level, 'warning');
  assert.is(third?.title, '-Wunused-variable');
  assert.ok(annotations.every((a) => a.path === 'lib/abs.c' || a.path === 'src/warn.c'));
  const summary = run.output?.summary ?? '';
  assert.match(summary, `### Diagnostics (${WARNINGS + 2} in files of this commit)`);
  assert.match(summary, `${WARNINGS + 2 - 200} more not annotated: see the log.`);
  assert.match(summary, /5 more named no file of this commit/);
});

test.run();
