// What a vm job's disk carries when the spec asks for containers: the marker, the engine's
// configuration and the filter's bundle (the host's build of it, so the guest runs the same code).
import { readFile } from 'node:fs/promises';
import { ContractorError } from '../../errors.js';
import {
  CONTAINERS_MARKER,
  ENGINE_CONTAINERS_CONF,
  ENGINE_STORAGE_CONF,
  FILTER_BUNDLE,
  REGISTRIES_CONF,
} from './guest-engine.js';

export class NoContainerEngine extends ContractorError {
  constructor(image: string, version: number) {
    const what = version
      ? `was built for containers version ${version}, which this Contractor no longer runs`
      : 'has no container engine';
    super(
      'INFRASTRUCTURE',
      `the worker image '${image}' ${what}, and the spec asks for containers: ` +
        `build it again with 'contractor image build --containers --name ${image}'`,
    );
    this.name = 'NoContainerEngine';
  }
}

export class NoFilterBundle extends ContractorError {
  constructor(tried: string[]) {
    super(
      'INFRASTRUCTURE',
      `the container filter's bundle is missing (tried ${tried.join(', ')}): run 'node scripts/bundle.mjs'`,
    );
    this.name = 'NoFilterBundle';
  }
}

/** Beside this module when it runs bundled (dist/bundle/), else dist/bundle/ from dist/src/worker/vm/. */
function bundleCandidates(): URL[] {
  return [
    new URL(FILTER_BUNDLE, import.meta.url),
    new URL(`../../../bundle/${FILTER_BUNDLE}`, import.meta.url),
  ];
}

async function filterBundle(): Promise<Buffer> {
  const tried = bundleCandidates();
  for (const url of tried) {
    const text = await readFile(url).catch(() => undefined);
    if (text) return text;
  }
  throw new NoFilterBundle(tried.map((u) => u.pathname));
}

/**
 * The engine's registries.conf, in place of the image's: short names mean what they mean to
 * Docker, and plain HTTP only to the registries the trusted policy names (TOML strings as JSON).
 */
export function registriesConf(insecure: string[]): string {
  return [
    '# Written for this job by Contractor from the trusted policy.',
    'unqualified-search-registries = ["docker.io"]',
    ...insecure.flatMap((r) => [
      '[[registry]]',
      `location = ${JSON.stringify(r)}`,
      'insecure = true',
    ]),
    '',
  ].join('\n');
}

export async function containerFiles(
  insecureRegistries: string[] = [],
): Promise<Record<string, string | Buffer>> {
  return {
    [CONTAINERS_MARKER]: '1\n',
    'containers.conf': ENGINE_CONTAINERS_CONF,
    'storage.conf': ENGINE_STORAGE_CONF,
    [REGISTRIES_CONF]: registriesConf(insecureRegistries),
    [FILTER_BUNDLE]: await filterBundle(),
  };
}
