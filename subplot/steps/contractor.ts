// Step functions for subplot/contractor.md; every command is the real CLI in a real directory.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import type { ScenarioContext } from '../context.js';

const BIN = fileURLToPath(new URL('../../../bin/contractor.js', import.meta.url));

export function createFile(ctx: ScenarioContext, args: Record<string, string>): void {
  const name = args.filename as string;
  const text = ctx.files.get(name);
  assert.ok(text !== undefined, `no embedded file #${name} in the document`);
  writeFileSync(join(ctx.dir, name), text);
}

export async function runContractor(ctx: ScenarioContext, args: Record<string, string>): Promise<void> {
  const argv = (args.args as string).split(/\s+/);
  const r = await execa(process.execPath, [BIN, ...argv], {
    cwd: ctx.dir,
    reject: false,
    stdin: 'ignore',
    env: ctx.env,
  });
  ctx.last = { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function jsonOutputMatchesYaml(ctx: ScenarioContext, args: Record<string, string>): void {
  assert.ok(ctx.last, 'no command has run');
  assert.equal(ctx.last.exitCode, 0, `command failed: ${ctx.last.stderr}`);
  const expected = parse(readFileSync(join(ctx.dir, args.filename as string), 'utf8')) as unknown;
  assert.deepEqual(JSON.parse(ctx.last.stdout), expected);
}

export function exitCodeIs(ctx: ScenarioContext, args: Record<string, string>): void {
  assert.ok(ctx.last, 'no command has run');
  assert.equal(
    ctx.last.exitCode,
    Number(args.code),
    `exit code ${ctx.last.exitCode}\nstdout: ${ctx.last.stdout}\nstderr: ${ctx.last.stderr}`,
  );
}

export function fileExists(ctx: ScenarioContext, args: Record<string, string>): void {
  assert.ok(existsSync(join(ctx.dir, args.filename as string)), `${args.filename} does not exist`);
}

export function stderrContains(ctx: ScenarioContext, args: Record<string, string>): void {
  assert.ok(ctx.last, 'no command has run');
  assert.ok(ctx.last.stderr.includes(args.text as string), `stderr was: ${ctx.last.stderr}`);
}

export function stdoutContains(ctx: ScenarioContext, args: Record<string, string>): void {
  assert.ok(ctx.last, 'no command has run');
  assert.ok(ctx.last.stdout.includes(args.text as string), `stdout was: ${ctx.last.stdout}`);
}
