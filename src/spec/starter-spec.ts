// `contractor init`'s first spec: what kind of project a directory holds, and the spec that
// fetches its dependencies in setup (through the allowlist) and runs its tests offline in build.
import { stringify } from 'yaml';

/** The files of a project's root that decide its kind, as `contractor init` found them. */
export interface ProjectFiles {
  /** Names present in the root directory. */
  names: Set<string>;
  /** package.json's `scripts`, when there is a package.json. */
  npmScripts?: Record<string, unknown>;
  /** The Makefile's text, when there is one. */
  makefile?: string;
}

export type ProjectKind = 'npm' | 'yarn' | 'pnpm' | 'cargo' | 'python' | 'go' | 'cmake' | 'make';

/** Where a kind's dependencies come from: its package registry, as the user's own tools name it. */
export type RegistryKind = 'npm' | 'pip' | 'go' | 'cargo';

export interface StarterSpec {
  kind: ProjectKind;
  /** The spec's text, comments included. */
  yaml: string;
  /** Whose registry setup fetches from, if any (the policy must allow its host). */
  registry?: RegistryKind;
}

/** The project's kind, by the first of its marker files in this order; undefined when none. */
export function projectKind(files: ProjectFiles): ProjectKind | undefined {
  const has = (n: string): boolean => files.names.has(n);
  if (has('package.json')) {
    if (has('pnpm-lock.yaml')) return 'pnpm';
    if (has('yarn.lock')) return 'yarn';
    return 'npm';
  }
  if (has('Cargo.toml')) return 'cargo';
  if (has('pyproject.toml')) return 'python';
  if (has('go.mod')) return 'go';
  if (has('CMakeLists.txt')) return 'cmake';
  if (has('Makefile') || has('makefile') || has('GNUmakefile')) return 'make';
  return undefined;
}

interface Phases {
  setup?: string;
  build: string;
  env?: Record<string, string>;
  registry?: RegistryKind;
}

function npmPhases(files: ProjectFiles, kind: 'npm' | 'yarn' | 'pnpm'): Phases {
  const test = files.npmScripts && 'test' in files.npmScripts;
  const build = test ? `${kind} test` : `${kind} run build --if-present`;
  if (kind === 'yarn') return { setup: 'yarn install --frozen-lockfile', build, registry: 'npm' };
  if (kind === 'pnpm') return { setup: 'pnpm install --frozen-lockfile', build, registry: 'npm' };
  const locked = files.names.has('package-lock.json') || files.names.has('npm-shrinkwrap.json');
  const setup = locked ? 'npm ci --no-audit' : 'npm install --no-audit';
  return { setup, build, registry: 'npm' };
}

function makeTarget(makefile: string | undefined): string {
  const target = ['check', 'test'].find((t) => new RegExp(`^${t}\\s*:`, 'm').test(makefile ?? ''));
  return target ? `make && make ${target}` : 'make';
}

function phasesFor(kind: ProjectKind, files: ProjectFiles): Phases {
  switch (kind) {
    case 'npm':
    case 'yarn':
    case 'pnpm':
      return npmPhases(files, kind);
    case 'cargo': {
      const locked = files.names.has('Cargo.lock') ? ' --locked' : '';
      return {
        setup: `cargo fetch${locked}`,
        build: `cargo test --offline${locked}`,
        registry: 'cargo',
      };
    }
    case 'python':
      return {
        setup: 'python3 -m venv /workspace/venv && /workspace/venv/bin/pip install . pytest',
        build: '/workspace/venv/bin/python -m pytest',
        registry: 'pip',
      };
    case 'go':
      return { setup: 'go mod download', build: 'go test ./...', registry: 'go' };
    case 'cmake':
      return {
        build:
          'cmake -S . -B build && cmake --build build && ctest --test-dir build --output-on-failure',
      };
    case 'make':
      return { build: makeTarget(files.makefile) };
  }
}

/**
 * The starter spec for a kind. `registryEnv` carries the registry the user's own tools use (a
 * mirror, say) into the worker, which sees none of the user's tool configuration.
 */
export function starterSpec(
  kind: ProjectKind,
  files: ProjectFiles,
  registry?: { host: string; env: Record<string, string> },
): StarterSpec {
  const p = phasesFor(kind, files);
  const env = { ...p.env, ...(p.registry ? registry?.env : {}) };
  const doc: Record<string, unknown> = {
    ...(p.setup ? { setup: p.setup } : {}),
    build: p.build,
    ...(p.registry && registry ? { network: { allow: [registry.host] } } : {}),
    ...(Object.keys(env).length ? { env } : {}),
  };
  const head = [
    `# Contractor: ${kind} project. setup runs with the network allowlist, build runs offline.`,
    '# Every key: schemas/spec.schema.json in the Contractor package, or `contractor check` this file.',
  ];
  if (p.registry && !registry)
    head.push(
      `# network.allow: add your ${p.registry} registry's host here and in your policy.yaml,`,
      '# or run `git contractor run --audit`, then `contractor policy suggest`.',
    );
  return {
    kind,
    yaml: `${head.join('\n')}\n${stringify(doc)}`,
    ...(p.registry ? { registry: p.registry } : {}),
  };
}
