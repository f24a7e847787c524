// Escape sequences out of a line of build output, so a tool's diagnostic in colour reads as plain text.

/** CSI (colours, cursor moves, `ESC [ ... K` as gcc sends), OSC (titles, links), and lone ESC. */
const ESCAPES = /\x1b\[[0-9;:?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b./g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}
