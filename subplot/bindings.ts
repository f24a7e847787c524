// Step bindings (subplot/*.yaml): a pattern per step, with {captures}, naming a TypeScript function.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Step } from './document.js';

export interface Binding {
  keyword: Step['keyword'];
  pattern: RegExp;
  captures: string[];
  fn: string;
}

interface RawBinding {
  given?: string;
  when?: string;
  then?: string;
  function?: string;
  impl?: { typescript?: { function?: string } };
}

export function loadBindings(file: string): Binding[] {
  const raw = parse(readFileSync(file, 'utf8')) as RawBinding[];
  return raw.map((b, i) => {
    const keyword = (['given', 'when', 'then'] as const).find((k) => b[k] !== undefined);
    const fn = b.impl?.typescript?.function ?? b.function;
    if (!keyword || !fn) throw new Error(`${file}: binding ${i + 1} needs a given/when/then and a function`);
    return { keyword, fn, ...compile(b[keyword] as string) };
  });
}

/** `{name}` captures one word; `{name:text}` captures the rest of the line. */
function compile(template: string): { pattern: RegExp; captures: string[] } {
  const captures: string[] = [];
  const source = template
    .split(/(\{[a-z_]+(?::text)?\})/i)
    .map((part) => {
      const m = /^\{([a-z_]+)(:text)?\}$/i.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      captures.push(m[1] as string);
      return m[2] ? '(.+)' : '(\\S+)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), captures };
}

export function match(
  bindings: Binding[],
  step: Step,
): { binding: Binding; args: Record<string, string> } {
  const found = bindings.flatMap((binding) => {
    if (binding.keyword !== step.keyword) return [];
    const m = binding.pattern.exec(step.text);
    if (!m) return [];
    const args = Object.fromEntries(binding.captures.map((c, i) => [c, m[i + 1] as string]));
    return [{ binding, args }];
  });
  if (found.length !== 1)
    throw new Error(
      `line ${step.line}: ${found.length ? 'more than one binding' : 'no binding'} for "${step.keyword} ${step.text}"`,
    );
  return found[0]!;
}
