// Build output is hostile, and a terminal obeys what it is sent: OSC sequences set the clipboard
// or the title, device queries make some terminals type their answers into the caller's shell
// (the TIOCSTI attack by other means), cursor moves repaint our own summary. Only colour (SGR)
// passes; every other control character is shown, not obeyed, as Git for Windows does for a
// remote's sideband messages (CVE-2024-52005). log.txt keeps the bytes as the build wrote them.
import { StringDecoder } from 'node:string_decoder';

/**
 * ESC, with the rest of an SGR sequence (ESC [ params m: colours and text attributes) when one
 * follows; or one of the other controls: C0 but tab, newline and carriage return; DEL; C1; bidi
 * overrides and isolates.
 */
const CONTROL =
  /\x1b(?:\[[0-9;:]{0,64}m)?|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What may still become an SGR sequence when more text comes. */
const SGR_PREFIX = /\x1b(?:\[[0-9;:]{0,64})?$/;

function shown(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return '^?';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * The text with every control but tab, newline, carriage return and complete SGR shown visibly.
 * One regular expression pass: the live log goes through here, up to the job's log limit.
 */
export function terminalSafe(text: string, colour = true): string {
  return text.replace(CONTROL, (m) => (m.length > 1 ? (colour ? m : '') : shown(m)));
}

/**
 * terminalSafe for a stream: bytes decode as UTF-8 across chunk boundaries, and an SGR sequence
 * split between chunks is held until it completes (or shown once it cannot).
 */
export class TerminalFilter {
  private readonly decoder = new StringDecoder('utf8');
  private held = '';

  /** Without colour (TERM=dumb), complete SGR sequences are dropped too. */
  constructor(private readonly colour = true) {}

  push(chunk: Buffer): string {
    const text = this.held + this.decoder.write(chunk);
    const partial = SGR_PREFIX.exec(text);
    this.held = partial ? partial[0] : '';
    return terminalSafe(partial ? text.slice(0, partial.index) : text, this.colour);
  }

  /** What is held, shown as it stands: the stream ended, or another is about to be written. */
  flush(): string {
    const text = this.held + this.decoder.end();
    this.held = '';
    return terminalSafe(text, this.colour);
  }
}
