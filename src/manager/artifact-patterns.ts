// The spec's artifact globs as regular expressions over paths relative to src/, compiled once per
// job: the driver packs, the host unpacks and the collector takes by the very same expressions.
import picomatch from 'picomatch';

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
