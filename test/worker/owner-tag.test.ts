// Owner tags across pid namespaces: a run in a container or a chroot with its own /proc shares the
// host's cgroups and /tmp, and a pid of its namespace names no process of ours.
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { test } from 'uvu';
import { ownerGone, ownerJudgeable, ownerTag } from '../../src/worker/owner-tag.js';
import { deadOwnerTag } from '../helpers/processes.js';

const ours = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] as string;
const name = (tag: string): string => `contractor-ns-job-${tag}-AbC123`;

test('a tag names the boot, the pid namespace, the pid and its start', () => {
  assert.match(ownerTag() as string, new RegExp(`^[0-9a-f]{8}n${ours}\\.${process.pid}\\.\\d+$`));
});

test('a dead owner of our pid namespace is gone; one of another namespace is not judged', async () => {
  const dead = await deadOwnerTag();
  assert.equal(ownerGone(name(dead)), true);
  assert.equal(ownerJudgeable(name(dead)), true);
  const elsewhere = dead.replace(`n${ours}.`, `n${Number(ours) + 1}.`);
  assert.notEqual(elsewhere, dead);
  assert.equal(
    ownerGone(name(elsewhere)),
    false,
    'a pid of another namespace may be running there',
  );
  assert.equal(ownerJudgeable(name(elsewhere)), false);
  assert.equal(ownerGone(name(ownerTag() as string)), false, 'we are running');
});

test.run();
