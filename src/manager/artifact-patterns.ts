// The spec's artifact globs as regular expressions over paths relative to src/: the host matches
// with them, and a driver may use their sources to pack only what can be collected.
import picomatch from 'picomatch';

export interface ArtifactPattern {
  pattern: string;
  re: RegExp;
}

export function artifactPatterns(globs: string[]): ArtifactPattern[] {
  return globs.map((pattern) => ({ pattern, re: picomatch.makeRe(pattern, { dot: true }) }));
}

/** Whether a workspace path (src/...) is one the artifact patterns can name. */
export function artifactPathMatcher(globs: string[]): (workspacePath: string) => boolean {
  const patterns = artifactPatterns(globs);
  return (path) => path.startsWith('src/') && patterns.some(({ re }) => re.test(path.slice(4)));
}
