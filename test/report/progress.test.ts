// The live progress display: phase headers, the log as it comes, and on a terminal a status
// line with the elapsed time that never overwrites the build's own output.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { test } from 'uvu';
import { createProgress } from '../../src/report/progress.js';

const plain = new Chalk({ level: 0 });

function capture(): { out: PassThrough & { isTTY?: boolean }; text: () => string } {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString() };
}

const output = (chunk: string) =>
  ({ type: 'output', phase: 'build', stream: 'stdout', chunk: Buffer.from(chunk) }) as const;

test('not a terminal: headers, the log and phase times, with no control characters', () => {
  const { out, text } = capture();
  let t = 0;
  const p = createProgress({ out, style: plain, showLog: true, now: () => t });
  p({ type: 'phase', phase: 'setup', at: 0 });
  p(output('fetching\n'));
  t = 1500;
  p({ type: 'phase', phase: 'build', at: t });
  p(output('compiling'));
  t = 4000;
  p.finish();
  assert.equal(
    text(),
    '▸ setup\nfetching\n  setup took 1.5s\n▸ build\ncompiling\n  build took 2.5s\n',
  );
  assert.doesNotMatch(text(), /\x1b|\r/);
});

test('a terminal: the status line shows the elapsed time and is erased before log lines', async () => {
  const { out, text } = capture();
  let t = 0;
  const p = createProgress({
    out,
    style: plain,
    showLog: true,
    live: true,
    tickMs: 5,
    now: () => t,
  });
  p({ type: 'phase', phase: 'build', at: 0 });
  t = 3200;
  await new Promise((r) => setTimeout(r, 30));
  assert.match(text(), /\r\x1b\[2K {2}build 3\.2s$/);
  p(output('line one\n'));
  // The status was erased before the log line, then drawn again under it.
  assert.match(text(), /3\.2s\r\x1b\[2Kline one\n\r\x1b\[2K {2}build 3\.2s$/);
  p(output('partial'));
  const before = text();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(text(), before, 'the status line was drawn over a partial log line');
  p.finish();
  assert.match(text(), /partial\n {2}build took 3\.2s\n$/);
});

test('finish stops the ticker: nothing is drawn afterwards', async () => {
  const { out, text } = capture();
  const p = createProgress({ out, style: plain, showLog: true, live: true, tickMs: 5 });
  p({ type: 'phase', phase: 'build', at: Date.now() });
  p.finish();
  const after = text();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(text(), after);
});

test('the live log passes colour and shows every other control, even split across chunks', () => {
  const { out, text } = capture();
  const p = createProgress({ out, style: plain, showLog: true, now: () => 0 });
  p({ type: 'phase', phase: 'build', at: 0 });
  p(output('\x1b]0;PWNED\x07\x1b[3'));
  p(output('1mred\x1b[0m\n\x1b'));
  p({ type: 'violation', violation: { kind: 'dns', phase: 'build', detail: 'q\x1b[2J' } });
  p(output('[6n'));
  p.finish();
  assert.equal(
    text(),
    '▸ build\n^[]0;PWNED^G\x1b[31mred\x1b[0m\n^[\n  ⚠ dns  q^[[2J\n[6n\n  build took 0ms\n',
  );
});

test("a dumb terminal gets no escape sequence: no status line, and the build's colours dropped", async () => {
  const { out, text } = capture();
  out.isTTY = true;
  const p = createProgress({ out, style: plain, showLog: true, plain: true, tickMs: 5 });
  p({ type: 'phase', phase: 'build', at: Date.now() });
  p(output('\x1b[31mred\x1b[0m \x1b]0;t\x07\n'));
  await new Promise((r) => setTimeout(r, 30));
  p.finish();
  assert.doesNotMatch(text(), /\x1b|\r/);
  assert.match(text(), /^red \^\[\]0;t\^G$/m);
});

test.run();
