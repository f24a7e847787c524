// A call naming an object the job did not create: refused if it exists, a plain 404 if it does not.
import { ContainerRefusal } from './container-refusal.js';
import type { ObjectKind } from './job-objects.js';

export class UnownedReference extends ContainerRefusal {
  readonly kind: ObjectKind;
  readonly ref: string;

  constructor(kind: ObjectKind, ref: string, where = `${kind} ${ref}`) {
    super(where, `${kind} ${ref} is not one this job created; a build may only use its own`);
    this.name = 'UnownedReference';
    this.kind = kind;
    this.ref = ref;
  }
}
