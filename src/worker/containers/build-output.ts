// The id of the image a build made, read from the build's JSON progress stream as it passes.

const MAX_LINE = 64 * 1024;

/**
 * Collects `{"aux":{"ID":"sha256:…"}}` from the answer's lines. Not `Successfully built <id>`: that
 * text arrives inside a `stream` string, where a RUN step's own output could print any id.
 */
export class BuildOutput {
  private pending = '';
  readonly ids = new Set<string>();

  push(chunk: Buffer): void {
    const lines = (this.pending + chunk.toString('utf8')).split('\n');
    // A line longer than any progress message is nothing we read: keep memory bounded.
    this.pending = (lines.pop() ?? '').slice(-MAX_LINE);
    for (const line of lines) this.read(line);
  }

  end(): void {
    this.read(this.pending);
    this.pending = '';
  }

  private read(line: string): void {
    if (!line.trim()) return;
    try {
      const msg = JSON.parse(line) as { aux?: { ID?: unknown } };
      if (typeof msg.aux?.ID === 'string') this.ids.add(msg.aux.ID);
    } catch {
      // Not a progress line; the CLI shows it, the filter needs nothing from it.
    }
  }
}
