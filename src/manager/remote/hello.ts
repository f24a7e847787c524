// The first frame each side sends: the protocol version, checked before anything else is read.
import { ContractorError } from '../../errors.js';
import { CONTRACTOR_VERSION } from '../../version.js';
import type { HelloFrame } from './job-frame.js';

/** Bumped on any change a peer of the previous version would misread. */
export const PROTOCOL_VERSION = 2;

export function helloFrame(
  role: HelloFrame['role'],
  protocol = PROTOCOL_VERSION,
  running?: number,
): HelloFrame {
  return {
    type: 'hello',
    protocol,
    software: `contractor ${CONTRACTOR_VERSION}`,
    role,
    ...(running !== undefined ? { running } : {}),
  };
}

const FIX = 'install the same contractor version on the client and the manager';

/** The manager's refusal of a client of another version. */
export function checkClientHello(hello: HelloFrame, ours = PROTOCOL_VERSION): void {
  if (hello.role !== 'client')
    throw new ContractorError('PROTOCOL', `the peer says it is a ${hello.role}, not a client`);
  if (hello.protocol !== ours)
    throw new ContractorError(
      'PROTOCOL',
      `refused a client speaking contractor protocol ${hello.protocol} (${hello.software}); ` +
        `this manager speaks protocol ${ours} (contractor ${CONTRACTOR_VERSION}): ${FIX}`,
    );
}

/** The client's refusal of a manager of another version. */
export function checkManagerHello(
  hello: HelloFrame,
  manager: string,
  ours = PROTOCOL_VERSION,
): void {
  if (hello.role !== 'manager')
    throw new ContractorError('PROTOCOL', `manager ${manager} says it is a ${hello.role}`);
  if (hello.protocol !== ours)
    throw new ContractorError(
      'PROTOCOL',
      `manager ${manager} speaks contractor protocol ${hello.protocol} (${hello.software}); ` +
        `this client speaks protocol ${ours} (contractor ${CONTRACTOR_VERSION}): ${FIX}`,
    );
}
