// The gvisor driver on this host: the shared behaviour of the stronger tiers, through runsc.
import { suite } from 'uvu';
import { GvisorDriver } from '../../src/worker/gvisor/gvisor-driver.js';
import { driverBehaviour } from './driver-behaviour.js';

const test = suite('gvisor driver');
driverBehaviour(test, () => new GvisorDriver());
test.run();
