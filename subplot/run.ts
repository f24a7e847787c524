// A small Subplot runner: each scenario of subplot/*.md in a fresh directory, steps bound by subplot/*.yaml.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBindings, match, type Binding } from './bindings.js';
import type { ScenarioContext, StepFunction } from './context.js';
import { parseDocument, type Scenario } from './document.js';
import * as contractorSteps from './steps/contractor.js';

const SOURCE_DIR = fileURLToPath(new URL('../../subplot/', import.meta.url));
const STEPS: Record<string, StepFunction> = { ...contractorSteps };

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

async function runScenario(
  scenario: Scenario,
  files: Map<string, string>,
  bindings: Binding[],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'contractor-scenario-'));
  const ctx: ScenarioContext = { dir, files, env: { ...process.env } as Record<string, string>, cleanups: [] };
  try {
    for (const step of scenario.steps) {
      const { binding, args } = match(bindings, step);
      const fn = STEPS[binding.fn];
      if (!fn) throw new Error(`line ${step.line}: no step function ${binding.fn}`);
      try {
        await fn(ctx, args);
      } catch (err) {
        throw new Error(`line ${step.line}: ${step.keyword} ${step.text}\n${(err as Error).message}`);
      }
    }
  } finally {
    for (const c of ctx.cleanups.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runDocument(file: string, bindings: Binding[], tally: Tally): Promise<void> {
  const doc = parseDocument(readFileSync(join(SOURCE_DIR, file), 'utf8'));
  for (const scenario of doc.scenarios) {
    if (scenario.disabled) {
      tally.skipped++;
      console.log(`  - ${file}: ${scenario.title} (disabled)`);
      continue;
    }
    const started = Date.now();
    try {
      await runScenario(scenario, doc.files, bindings);
      tally.passed++;
      console.log(`  ✓ ${file}: ${scenario.title} (${Date.now() - started} ms)`);
    } catch (err) {
      tally.failed++;
      console.log(`  ✗ ${file}: ${scenario.title}\n${(err as Error).message.replace(/^/gm, '      ')}`);
    }
  }
}

export async function runScenarios(): Promise<Tally> {
  const entries = readdirSync(SOURCE_DIR);
  const bindings = entries.filter((f) => f.endsWith('.yaml')).flatMap((f) => loadBindings(join(SOURCE_DIR, f)));
  const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  for (const doc of entries.filter((f) => f.endsWith('.md'))) await runDocument(doc, bindings, tally);
  return tally;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t = await runScenarios();
  console.log(`scenarios: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  process.exitCode = t.failed ? 1 : 0;
}
