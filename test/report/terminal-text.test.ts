// A hostile build's output reaches the caller's terminal only as text: colour passes, every other
// control is shown, not obeyed.
import assert from 'node:assert/strict';
import { test } from 'uvu';
import { TerminalFilter, terminalSafe } from '../../src/report/terminal-text.js';

test('text, tabs, newlines, carriage returns and colour pass as they are', () => {
  const text = 'compiling\tq.c\r100%\n\x1b[1;31merror\x1b[0m: \x1b[38;5;208mx\x1b[m é 日本\n';
  assert.equal(terminalSafe(text), text);
});

test('every other control is shown visibly, so the terminal never acts on it', () => {
  const cases: [string, string][] = [
    ['\x1b]0;PWNED\x07', '^[]0;PWNED^G'], // window title, ended by BEL
    ['\x1b]52;c;cm0gLXJm\x1b\\', '^[]52;c;cm0gLXJm^[\\'], // clipboard write, ended by ST
    ['\x1b[2J\x1b[H', '^[[2J^[[H'], // clear the screen, move the cursor
    ['\x1b[6n', '^[[6n'], // a query whose answer some terminals type into the shell
    ['\x1bP$q"p\x1b\\', '^[P$q"p^[\\'], // DCS
    ['a\bb\x00\x7f', 'a^Hb^@^?'],
    ['\u009b2J', '<U+009B>2J'], // 8-bit CSI
    ['\u202eevil', '<U+202E>evil'], // a bidi override that reorders the line
    ['\x1b[31;' + '1'.repeat(80) + 'm', `^[[31;${'1'.repeat(80)}m`], // too long to be colour
  ];
  for (const [raw, seen] of cases) assert.equal(terminalSafe(raw), seen, JSON.stringify(raw));
});

test('a stream holds a colour sequence or a character split between chunks until it completes', () => {
  const f = new TerminalFilter();
  const e = Buffer.from('é');
  assert.equal(f.push(Buffer.from('red: \x1b[3')), 'red: ');
  assert.equal(f.push(Buffer.from('1mX')), '\x1b[31mX');
  assert.equal(f.push(Buffer.concat([Buffer.from('caf'), e.subarray(0, 1)])), 'caf');
  assert.equal(f.push(e.subarray(1)), 'é');
  assert.equal(f.push(Buffer.from('\x1b')), '');
  assert.equal(f.push(Buffer.from(']0;t\x07')), '^[]0;t^G');
  assert.equal(f.push(Buffer.from('end\x1b[')), 'end');
  assert.equal(f.flush(), '^[[', 'a sequence the stream never finished is shown at its end');
  assert.equal(f.flush(), '');
});

test.run();
