import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { test } from 'uvu';
import { parseManagersConfig, selectManagers } from '../../src/manager/remote/manager-config.js';

const GOOD = `managers:
  build1:
    host: 10.0.0.5
    port: 2222
    user: contractor
    key: ~/.ssh/contractor
    hostKey: "SHA256:abc"
    capacity: 4
  build2:
    host: build2.example
    user: contractor
    key: keys/id
    knownHosts: known_hosts
`;

test('reads managers with defaults and paths resolved', () => {
  const [a, b] = parseManagersConfig(GOOD, '/home/u/.config/contractor/config.yaml');
  assert.equal(a?.key, `${homedir()}/.ssh/contractor`);
  assert.equal(a?.capacity, 4);
  assert.equal(a?.port, 2222);
  assert.equal(a?.where, '/home/u/.config/contractor/config.yaml:2:3');
  assert.equal(b?.port, 22);
  assert.equal(b?.capacity, 1);
  assert.equal(b?.key, '/home/u/.config/contractor/keys/id');
  assert.equal(b?.knownHosts, '/home/u/.config/contractor/known_hosts');
});

test('a manager without a pinned host key is refused at its line', () => {
  const text = 'managers:\n  m:\n    host: h\n    user: u\n    key: k\n';
  assert.throws(
    () => parseManagersConfig(text, 'config.yaml'),
    /config\.yaml:2:3: manager "m" needs exactly one of hostKey .* an unpinned host key is never trusted/,
  );
});

test('a misspelt key is named at its file:line:col with a suggestion', () => {
  const text = GOOD.replace('capacity: 4', 'capacty: 4');
  assert.throws(
    () => parseManagersConfig(text, 'config.yaml'),
    /config\.yaml:8:5: unknown key "capacty" in managers\.build1; did you mean "capacity"\?/,
  );
});

test('a port out of range is named at its value', () => {
  assert.throws(
    () => parseManagersConfig(GOOD.replace('2222', '70000'), 'config.yaml'),
    /config\.yaml:4:11: managers\.build1\.port: must be <= 65535/,
  );
});

test('selects managers by name, by list and all with *', () => {
  const all = parseManagersConfig(GOOD, 'c.yaml');
  assert.deepEqual(
    selectManagers('build2', all, 'c.yaml').map((m) => m.name),
    ['build2'],
  );
  assert.deepEqual(
    selectManagers('build1, build2', all, 'c.yaml').map((m) => m.name),
    ['build1', 'build2'],
  );
  assert.equal(selectManagers('*', all, 'c.yaml').length, 2);
  assert.throws(
    () => selectManagers('nope', all, 'c.yaml'),
    /no manager named "nope" in c\.yaml \(configured: build1, build2\)/,
  );
});

test.run();
