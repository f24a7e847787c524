// What a driver needs from the egress proxy: somewhere to hand each connection the build opens to it.
import type { Socket } from 'node:net';

export interface EgressPort {
  /** Takes ownership of a connection the build made to its proxy address. */
  accept(socket: Socket): void;
}
