// The spec's artifact globs as regular expressions over paths relative to src/, compiled once per
// job: the driver packs, the host unpacks and the collector takes by the very same expressions.
import picomatch from 'picomatch';

/**
 * How many entries (files, links, anything but directories) the artifact patterns may match. Each
 * artifact is copied, hashed, named in the result and the attestation, and sent back by a remote
 * manager: ~0.7 ms and ~9 KiB of the manager's memory apiece here. Without a cap a build that
 * writes a million empty files (its disk's inodes allow that) holds the manager for many minutes
 * and gigabytes. Packers and unpackers stop one past it, so the collector sees there were more.
 */
export const MAX_ARTIFACTS = 10_000;

/** Why a job collected no artifact at all. */
export function artifactOverflow(patterns: ArtifactPattern[], max = MAX_ARTIFACTS): string {
  const globs = patterns.map((p) => p.pattern).join(', ');
  return `the artifact patterns (${globs}) matched more than ${max} entries; none was collected`;
}

export interface ArtifactPattern {
  pattern: string;
  re: RegExp;
}

export function artifactPatterns(globs: string[]): ArtifactPattern[] {
  return globs.map((pattern) => ({ pattern, re: picomatch.makeRe(pattern, { dot: true }) }));
}

/** Whether a workspace path (src/...) is one the artifact patterns can name. */
export function artifactPathMatcher(
  patterns: ArtifactPattern[],
): (workspacePath: string) => boolean {
  return (path) => path.startsWith('src/') && patterns.some(({ re }) => re.test(path.slice(4)));
}
