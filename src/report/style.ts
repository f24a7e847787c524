// Colour only on a terminal that wants it: NO_COLOR and TERM=dumb are honoured.
import { Chalk, type ChalkInstance } from 'chalk';

/** TERM=dumb: a terminal that obeys no escape sequence, so none is sent, not even the build's colours. */
export function dumbTerminal(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TERM === 'dumb';
}

export function styleFor(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
): ChalkInstance {
  const wanted = Boolean(stream.isTTY) && env.NO_COLOR === undefined && !dumbTerminal(env);
  return new Chalk({ level: wanted ? 1 : 0 });
}
