// Remembers trees that passed, so pushing the same tree again (another branch, a rebase) returns at once.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobResult } from '../manager/job.js';
import type { EffectivePolicy } from '../spec/policy.js';
import type { DriverName } from '../spec/types.js';

export interface CacheKeyParts {
  tree: string;
  specDigest: string;
  policy: EffectivePolicy;
  driver: DriverName;
  imageDigest: string;
  version: string;
  /** Where the restored workspace came from (none, kept, tree): it is what the build starts with. */
  workspace: string;
}

export function cacheKey(p: CacheKeyParts): string {
  const policy = {
    allow: [...p.policy.allow].sort(),
    buildNetwork: p.policy.buildNetwork,
    limits: p.policy.limits,
    // A pass that pulled over plain HTTP stands only for a policy that still allows it.
    ...(p.policy.insecureRegistries
      ? { insecureRegistries: [...p.policy.insecureRegistries].sort() }
      : {}),
  };
  const material = JSON.stringify([
    p.tree,
    p.specDigest,
    policy,
    p.driver,
    p.imageDigest,
    p.version,
    p.workspace,
  ]);
  return createHash('sha256').update(material).digest('hex');
}

export interface CachedPass {
  key: string;
  at: string;
  result: JobResult;
}

export class ResultCache {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  async lookup(key: string): Promise<CachedPass | undefined> {
    const text = await readFile(this.path(key), 'utf8').catch(() => undefined);
    if (!text) return undefined;
    try {
      const entry = JSON.parse(text) as CachedPass;
      return entry.key === key && entry.result?.status === 'passed' ? entry : undefined;
    } catch {
      return undefined; // A torn or tampered entry is a miss, never a pass.
    }
  }

  /** Only passes are kept: a failure is always worth running again. */
  async store(key: string, result: JobResult): Promise<void> {
    if (result.status !== 'passed') return;
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.path(key)}.${process.pid}.tmp`;
    await writeFile(
      tmp,
      JSON.stringify({ key, at: new Date().toISOString(), result } satisfies CachedPass),
    );
    await rename(tmp, this.path(key));
  }
}
