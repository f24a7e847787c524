// The few files of a project's root that `contractor init` reads to tell what kind it is.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectFiles } from './starter-spec.js';

// A Makefile or package.json larger than this is read no further: only targets and scripts matter.
const MAX_READ = 1024 * 1024;

async function readSmall(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text?.slice(0, MAX_READ);
}

function scriptsOf(packageJson: string | undefined): Record<string, unknown> | undefined {
  try {
    const scripts = (JSON.parse(packageJson ?? '') as { scripts?: unknown }).scripts;
    return scripts && typeof scripts === 'object' ? (scripts as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

export async function readProjectFiles(dir: string): Promise<ProjectFiles> {
  const names = new Set(await readdir(dir));
  const files: ProjectFiles = { names };
  if (names.has('package.json')) {
    const scripts = scriptsOf(await readSmall(join(dir, 'package.json')));
    if (scripts) files.npmScripts = scripts;
  }
  const makefile = ['GNUmakefile', 'makefile', 'Makefile'].find((n) => names.has(n));
  if (makefile) {
    const text = await readSmall(join(dir, makefile));
    if (text !== undefined) files.makefile = text;
  }
  return files;
}
