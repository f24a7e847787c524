// What a driver needs from the egress proxy: somewhere to hand each connection the build opens to it.
import type { Socket } from 'node:net';

/**
 * Which process of the build holds the client end of a connection, as one line ("pid 12: curl
 * ..."), or undefined where the tier cannot know it: a violation then names no process.
 */
export type OwnerLookup = () => Promise<string | undefined>;

export interface EgressPort {
  /** Takes ownership of a connection the build made to its proxy address. */
  accept(socket: Socket, owner?: OwnerLookup): void;
}
