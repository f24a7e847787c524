import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { CHAINED, installHook, uninstallHook } from '../../src/git/hook-install.js';
import { isDeletion, parsePrePushInput } from '../../src/git/pre-push-input.js';
import { makeRepo } from '../helpers/git-repo.js';

test('installs the shim in .git/hooks, and installing twice changes nothing', async () => {
  const repo = makeRepo();
  assert.equal(await installHook(repo.path), 'installed');
  const hook = join(repo.path, '.git/hooks/pre-push');
  const first = readFileSync(hook, 'utf8');
  assert.match(first, /Contractor pre-push shim/);
  assert.doesNotMatch(first, /@CONTRACTOR_BIN@/);
  assert.equal(await installHook(repo.path), 'already-installed');
  assert.equal(readFileSync(hook, 'utf8'), first);
  repo.remove();
});

test('honours core.hooksPath as husky and lefthook set it', async () => {
  const repo = makeRepo();
  repo.git('config', 'core.hooksPath', '.husky');
  await installHook(repo.path);
  assert.ok(existsSync(join(repo.path, '.husky/pre-push')));
  assert.equal(existsSync(join(repo.path, '.git/hooks/pre-push')), false);
  repo.remove();
});

test('chains an existing pre-push hook instead of overwriting it, and uninstall restores it', async () => {
  const repo = makeRepo();
  const hooks = join(repo.path, '.git/hooks');
  mkdirSync(hooks, { recursive: true });
  writeFileSync(join(hooks, 'pre-push'), '#!/bin/sh\necho existing hook ran\n');
  chmodSync(join(hooks, 'pre-push'), 0o755);
  assert.equal(await installHook(repo.path), 'installed-chained');
  assert.match(readFileSync(join(hooks, CHAINED), 'utf8'), /existing hook ran/);
  assert.equal(await uninstallHook(repo.path), 'restored-chained');
  assert.match(readFileSync(join(hooks, 'pre-push'), 'utf8'), /existing hook ran/);
  assert.equal(existsSync(join(hooks, CHAINED)), false);
  assert.equal(await uninstallHook(repo.path), 'not-installed');
  repo.remove();
});

const A = 'a'.repeat(40);
const Z = '0'.repeat(40);

test('parses git’s pre-push lines and recognises deletions', () => {
  const updates = parsePrePushInput(
    `refs/heads/main ${A} refs/heads/main ${Z}\n(delete) ${Z} refs/heads/old ${A}\n\n`,
  );
  assert.equal(updates.length, 2);
  assert.equal(isDeletion(updates[0]!), false);
  assert.equal(isDeletion(updates[1]!), true);
});

test('refuses malformed pre-push input with the line that is wrong', () => {
  assert.throws(() => parsePrePushInput(`refs/heads/main ${A}\n`), /line 1/);
  assert.throws(
    () => parsePrePushInput(`refs/heads/main ${A} refs/heads/main ${Z}\nx y z w\n`),
    /line 2/,
  );
  assert.throws(
    () => parsePrePushInput(`refs/heads/main --upload-pack=evil refs/heads/main ${Z}\n`),
    /line 1/,
  );
});

test.run();
