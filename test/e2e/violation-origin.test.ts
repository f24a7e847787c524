// A network violation in the namespace tier names the process and command line that made it.
import assert from 'node:assert/strict';
import { test } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { specRepos } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/tmp.js';

const repos = specRepos();
const home = tempDir('contractor-home-');
test.after(() => {
  repos.removeAll();
  home.remove();
});

interface V {
  phase: string;
  host?: string;
  detail: string;
  process?: string;
}

// Through the proxy the worker's environment names; the marker tells this command from any other.
const fetchBy = (marker: string) =>
  `python3 -c "import urllib.request as u, sys; sys.argv; u.urlopen('http://unlisted.test/${marker}', timeout=10)" ${marker} || true`;

async function violations(spec: string): Promise<V[]> {
  const repo = repos.make(spec);
  const r = await contractor(repo.path, ['run', '--json', '--no-cache'], {
    CONTRACTOR_HOME: home.path,
  });
  const doc = JSON.parse(r.stdout) as { violations: V[] };
  return doc.violations.filter((v) => v.host === 'unlisted.test');
}

test('a request in the offline build phase names its process and says to move downloads to setup:', async () => {
  const [v, ...more] = await violations(`build: ${JSON.stringify(fetchBy('marker-build-7f3'))}\n`);
  assert.ok(v, 'the request was recorded');
  assert.equal(more.length, 0);
  assert.equal(v.phase, 'build');
  assert.match(v.detail, /network is closed in the build phase: move downloads to `setup:`/);
  assert.match(v.process ?? '', /^pid \d+: python3 -c import urllib\.request .* marker-build-7f3$/);
  assert.match(v.detail, /made by pid \d+: python3 -c .*marker-build-7f3/);
});

test('a setup request off the allowlist names its process, with no hint about setup', async () => {
  const [v] = await violations(
    `setup: ${JSON.stringify(fetchBy('marker-setup-9a1'))}\nbuild: "true"\n`,
  );
  assert.ok(v, 'the request was recorded');
  assert.equal(v.phase, 'setup');
  assert.match(
    v.detail,
    /^unlisted\.test port 80 is not on the allowlist \(made by pid \d+: python3/,
  );
  assert.doesNotMatch(v.detail, /move downloads/);
  assert.match(v.process ?? '', /marker-setup-9a1$/);
});

test.run();
