// Why the container filter will not carry a call: the build asked for more than a build needs.
import { ContractorError } from '../../errors.js';

/** A refused Docker API call, naming the field (or object) that made it so. */
export class ContainerRefusal extends ContractorError {
  /** The request field at fault, as the API spells it (`HostConfig.Privileged`), or the path. */
  readonly field: string;
  /** 403 for what the policy forbids (objects of others included), 400 for a malformed request. */
  readonly status: 400 | 403;

  constructor(field: string, reason: string, status: 400 | 403 = 403) {
    // The message goes back to the docker CLI, which prints it as one line.
    super('CONFINEMENT', `contractor refused ${field}: ${reason.replace(/[\r\n]+/g, ' ')}`);
    this.name = 'ContainerRefusal';
    this.field = field;
    this.status = status;
  }
}
