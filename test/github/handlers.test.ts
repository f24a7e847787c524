// Every published example of the four events parses at the edge; hostile payloads are refused with a reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContractorError } from '../../src/errors.js';
import { intentFor } from '../../src/github/handlers/route-event.js';
import { parseRepositoryPolicies } from '../../src/github/repository-policies.js';
import { signWebhook, verifyWebhookSignature } from '../../src/github/webhook-verify.js';
import { examples, example } from '../helpers/webhook-examples.js';

test('every published push, pull_request, check_suite and check_run example is understood', () => {
  const kinds: Record<string, number> = {};
  for (const event of ['push', 'pull_request', 'check_suite', 'check_run'])
    for (const p of examples(event)) {
      const intent = intentFor(event, p);
      kinds[`${event}:${intent.kind}`] = (kinds[`${event}:${intent.kind}`] ?? 0) + 1;
    }
  assert.ok((kinds['pull_request:build'] ?? 0) >= 5, 'opened, synchronize and reopened build');
  assert.ok((kinds['check_suite:build'] ?? 0) >= 5, 'requested and rerequested build');
  assert.ok((kinds['push:build'] ?? 0) >= 2);
  assert.ok((kinds['check_run:ignore'] ?? 0) >= 9, 'no example check run is named contractor');
});

test('a pull request builds its head against its base', () => {
  const intent = intentFor('pull_request', example('pull_request', 'opened'));
  assert.is(intent.kind, 'build');
  if (intent.kind !== 'build') return;
  assert.is(intent.job.sha, 'ec26c3e57ca3a959ca5aad62de7213c562f8c821');
  assert.is(intent.job.pull?.baseRef, 'master');
  assert.is(intent.job.pull?.number, 2);
  assert.is(intent.job.pull?.fork, false);
});

const refused = (event: string, payload: unknown, why: RegExp) => {
  try {
    intentFor(event, payload);
    assert.unreachable(`${event} accepted`);
  } catch (err) {
    assert.instance(err, ContractorError);
    assert.match((err as Error).message, why);
  }
};

test('hostile payloads are refused at the edge with the field named', () => {
  const pr = example('pull_request', 'opened');
  (pr.pull_request as { head: { sha: string } }).head.sha = '--upload-pack=touch /tmp/pwned';
  refused('pull_request', pr, /pull_request\/head\/sha/);
  const push = example('push', null, (x) => x.deleted === false);
  (push.repository as { name: string }).name = '../../etc';
  refused('push', push, /repository\/name/);
  refused('check_suite', [], /check_suite payload/);
  refused('push', null, /push payload/);
});

test('unknown events are acknowledged and ignored', () => {
  assert.equal(intentFor('star', {}), { kind: 'ignore', reason: 'event star' });
});

test('signatures: only the exact HMAC of the exact body with the secret passes', () => {
  const body = Buffer.from('{"a":1}');
  const sig = signWebhook('s3cret', body);
  assert.ok(verifyWebhookSignature('s3cret', body, sig));
  assert.ok(verifyWebhookSignature('s3cret', body, sig.toUpperCase().replace('SHA256', 'sha256')));
  assert.not.ok(verifyWebhookSignature('other', body, sig));
  assert.not.ok(verifyWebhookSignature('s3cret', Buffer.from('{"a":2}'), sig));
  assert.not.ok(verifyWebhookSignature('s3cret', body, sig.slice(0, -2)));
  assert.not.ok(verifyWebhookSignature('s3cret', body, `sha1=${sig.slice(7)}`));
  assert.not.ok(verifyWebhookSignature('s3cret', body, undefined));
});

test('the per-repository config: validated, names case-insensitive, problems located', () => {
  const p = parseRepositoryPolicies(
    'owners: [Codertocat]\ndefault:\n  limits: {wall: 5m}\nrepositories:\n  Codertocat/Hello-World:\n    id: 1296269\n    network: {allow: [registry.npmjs.org]}\n',
    'repos.yaml',
  );
  assert.is(p.default?.limits.wallMs, 5 * 60_000);
  assert.equal(p.repositories.get('codertocat/hello-world')?.policy.allow, ['registry.npmjs.org']);
  assert.is(p.repositories.get('codertocat/hello-world')?.id, 1296269);
  assert.equal(p.owners, ['codertocat']);
  for (const [text, where] of [
    ['repositories:\n  not a repo: {}\n', /repos\.yaml:2/],
    ['repositories:\n  a/b:\n    network: {allow: ["http://x"]}\n', /repos\.yaml:3/],
    ['default:\n  secrets: yes\n', /repos\.yaml:2/],
    ['repositories: [\n', /repos\.yaml/],
    ['repositories:\n  a/b:\n    id: one\n', /repos\.yaml:3/],
    ['owners: ["not a login"]\n', /repos\.yaml:1/],
  ] as const) {
    try {
      parseRepositoryPolicies(text, 'repos.yaml');
      assert.unreachable(text);
    } catch (err) {
      assert.match((err as Error).message, where);
    }
  }
});

test('an operator entry without an id refuses to start, naming the entry and what to add', () => {
  try {
    parseRepositoryPolicies(
      'repositories:\n  octo/kept:\n    id: 7\n  octo/hello:\n    network: {allow: [registry.npmjs.org]}\n',
      'repos.yaml',
    );
    assert.unreachable('an entry without an id was accepted');
  } catch (err) {
    assert.instance(err, ContractorError);
    assert.match(
      (err as Error).message,
      /repos\.yaml: repositories octo\/hello have no id; add `id: N`/,
    );
    assert.not.match((err as Error).message, /octo\/kept/);
  }
});

test.run();
