// Where `contractor build SPEC` keeps its runs and kept workspaces: never beside the spec, where
// they showed in `git status` and were copied into the next snapshot of the directory.
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { contractorHome } from '../spec/config-home.js';

/** $CONTRACTOR_HOME/builds/<dir name>-<digest of its path>: one per spec directory, named for people. */
export function buildStateDir(specDir: string, home: string = contractorHome()): string {
  const digest = createHash('sha256').update(specDir).digest('hex').slice(0, 16);
  const name = basename(specDir)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 40);
  return join(home, 'builds', `${name}-${digest}`);
}
