// The page shows a long log's end from a whole line, numbered as log.txt numbers it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { logPageTail } from '../../src/report/log-page-tail.js';
import { logLinesHtml } from '../../src/report/log-html.js';
import { tempDir } from '../helpers/tmp.js';

test("a cut log starts at a line, with that line's number in the file", async () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'log.txt');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i + 1} \x1b[32mok\x1b[0m`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const view = await logPageTail(file, 1000);
    const first = view.text.split('\n')[0] ?? '';
    assert.equal(first, lines[view.firstLine - 1]);
    assert.ok(view.firstLine > 4900 && view.cutBytes > 0);
    assert.equal(logLinesHtml(view.text).length, 5000 - view.firstLine + 1);
    const whole = await logPageTail(file, 10 ** 9);
    assert.deepEqual([whole.firstLine, whole.cutBytes], [1, 0]);
  } finally {
    tmp.remove();
  }
});

test('a missing log is an empty one', async () => {
  assert.deepEqual(await logPageTail('/nonexistent/log.txt', 10), {
    text: '',
    firstLine: 1,
    cutBytes: 0,
  });
});

test.run();
