// Turns ajv's errors into one readable problem each, naming the field and where it is.
import type { ErrorObject } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import type { SourceProblem } from '../errors.js';
import { fieldName, locate, pathOf } from './locate.js';
import { closest } from './suggest.js';

interface SchemaNode {
  description?: string;
  properties?: Record<string, unknown>;
}

function describe(err: ErrorObject): string {
  const schema = (err.parentSchema ?? {}) as SchemaNode;
  const hint = schema.description ? ` (${schema.description})` : '';
  const shown = JSON.stringify(err.data);
  switch (err.keyword) {
    case 'pattern':
      return `${shown} is not valid here${hint}`;
    case 'enum':
      return `${shown} is not one of ${(err.params as { allowedValues: unknown[] }).allowedValues
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'type':
      return `must be ${expected((err.params as { type: string | string[] }).type)}, not ${typeName(err.data)}`;
    default:
      return `${err.message ?? 'is invalid'}${hint}`;
  }
}

const TYPE_WORDS: Record<string, string> = { object: 'a mapping', array: 'a list' };

function expected(type: string | string[]): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[t] ?? `a ${t}`).join(' or ');
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function unknownKey(err: ErrorObject): { key: string; message: string } {
  const key = (err.params as { additionalProperty: string }).additionalProperty;
  const known = Object.keys(((err.parentSchema ?? {}) as SchemaNode).properties ?? {});
  const guess = closest(key, known);
  const where = err.instancePath ? ` in ${fieldName(pathOf(err.instancePath))}` : '';
  const suggestion = guess ? `; did you mean "${guess}"?` : `; known keys: ${known.join(', ')}`;
  return { key, message: `unknown key "${key}"${where}${suggestion}` };
}

export function schemaProblems(
  file: string,
  doc: Document,
  lines: LineCounter,
  errors: ErrorObject[],
): SourceProblem[] {
  const problems: SourceProblem[] = [];
  for (const err of errors) {
    const path = pathOf(err.instancePath);
    if (err.keyword === 'additionalProperties') {
      const { key, message } = unknownKey(err);
      problems.push({ file, ...locate(doc, lines, [...path, key], true), message });
      continue;
    }
    if (err.keyword === 'required') {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      const where = path.length ? fieldName(path) : 'the spec';
      problems.push({
        file,
        ...locate(doc, lines, path),
        message: `missing required key "${missing}" in ${where}`,
      });
      continue;
    }
    const field = path.length ? fieldName(path) : 'the spec';
    problems.push({ file, ...locate(doc, lines, path), message: `${field}: ${describe(err)}` });
  }
  return dedupe(problems).sort((a, b) => a.line - b.line || a.col - b.col);
}

function dedupe(problems: SourceProblem[]): SourceProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
