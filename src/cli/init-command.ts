// `contractor init`: a first .contractor.yaml for the repository here, and the policy line it needs.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ContractorError } from '../errors.js';
import { repositoryRoot } from '../git/repository.js';
import { policyPath } from '../spec/config-home.js';
import { readPolicyFile } from '../spec/policy.js';
import { allowCovers } from '../spec/policy-intersection.js';
import { readProjectFiles } from '../spec/project-files.js';
import { projectKind, starterSpec } from '../spec/starter-spec.js';
import { toolRegistry } from '../spec/tool-registry.js';
import { terminalSafe } from '../report/terminal-text.js';

const MARKERS = 'package.json, Cargo.toml, pyproject.toml, go.mod, CMakeLists.txt or a Makefile';

async function projectRoot(cwd: string): Promise<string> {
  return repositoryRoot(cwd).catch(() => cwd);
}

async function writeNew(path: string, text: string): Promise<void> {
  try {
    // 'wx': an existing spec is the user's work, never replaced.
    await writeFile(path, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new ContractorError(
      'USAGE',
      `${path} already exists; contractor init never replaces a spec (edit it, or remove it first)`,
      { cause: err },
    );
  }
}

/** What the user must still do for the allowlist: nothing, or one line for their policy. */
async function policyAdvice(host: string | undefined): Promise<string> {
  if (!host) return '';
  const file = policyPath();
  const policy = await readPolicyFile(file);
  if (policy.allow.some((entry) => allowCovers(entry, host)))
    return `your policy ${file} already allows ${host}\n`;
  return (
    `add this line to ${file} (or ${JSON.stringify(host)} to its network.allow), then run git contractor run:\n` +
    `  network: {allow: [${JSON.stringify(host)}]}\n`
  );
}

export function addInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      'write a starting .contractor.yaml for the project here, and print the policy line it needs',
    )
    .action(async () => {
      const root = await projectRoot(process.cwd());
      const files = await readProjectFiles(root);
      const kind = projectKind(files);
      if (!kind)
        throw new ContractorError(
          'USAGE',
          `${root}: no ${MARKERS} found; write .contractor.yaml by hand (see the README's spec section)`,
        );
      const starter = starterSpec(kind, files);
      const registry = starter.registry ? await toolRegistry(starter.registry, root) : undefined;
      const spec = registry ? starterSpec(kind, files, registry) : starter;
      const path = join(root, '.contractor.yaml');
      await writeNew(path, spec.yaml);
      process.stdout.write(
        terminalSafe(`wrote ${path} (${kind} project)\n${await policyAdvice(registry?.host)}`),
      );
    });
}
