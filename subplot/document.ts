// Reads a Subplot document: its scenarios (```scenario blocks under headings) and embedded files.

export interface Step {
  keyword: 'given' | 'when' | 'then';
  text: string;
  line: number;
}

export interface Scenario {
  title: string;
  steps: Step[];
  disabled: boolean;
}

export interface SubplotDocument {
  scenarios: Scenario[];
  files: Map<string, string>;
}

const FENCE = /^(```+|~~~+)\s*(.*)$/;

export function parseDocument(markdown: string): SubplotDocument {
  const lines = markdown.split('\n');
  const scenarios: Scenario[] = [];
  const files = new Map<string, string>();
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const h = /^#+\s+(.*)$/.exec(line);
    if (h) heading = (h[1] as string).trim();
    const open = FENCE.exec(line);
    if (!open) continue;
    const end = closingFence(lines, i + 1, open[1] as string);
    const body = lines.slice(i + 1, end);
    classify(open[2] as string, body, i + 2, heading, scenarios, files);
    i = end;
  }
  return { scenarios, files };
}

function closingFence(lines: string[], from: number, fence: string): number {
  for (let j = from; j < lines.length; j++) if ((lines[j] as string).trim() === fence) return j;
  throw new Error(`unclosed ${fence} block starting before line ${from}`);
}

function classify(
  info: string,
  body: string[],
  firstLine: number,
  heading: string,
  scenarios: Scenario[],
  files: Map<string, string>,
): void {
  const kind = info.trim();
  if (kind === 'scenario' || kind === 'disabled-scenario') {
    scenarios.push({ title: heading, steps: parseSteps(body, firstLine), disabled: kind !== 'scenario' });
    return;
  }
  const file = /^\{\s*\.file\s+#([^\s}]+)/.exec(kind);
  if (file) files.set(file[1] as string, body.join('\n') + '\n');
}

function parseSteps(body: string[], firstLine: number): Step[] {
  const steps: Step[] = [];
  let last: Step['keyword'] | undefined;
  body.forEach((raw, n) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(given|when|then|and|but)\s+(.*)$/i.exec(line);
    if (!m) throw new Error(`line ${firstLine + n}: not a step: "${line}"`);
    const word = (m[1] as string).toLowerCase();
    const keyword = word === 'and' || word === 'but' ? last : (word as Step['keyword']);
    if (!keyword) throw new Error(`line ${firstLine + n}: "${word}" with no step before it`);
    steps.push({ keyword, text: m[2] as string, line: firstLine + n });
    last = keyword;
  });
  return steps;
}
