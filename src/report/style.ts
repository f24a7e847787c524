// Colour only on a terminal that wants it: NO_COLOR and TERM=dumb are honoured.
import { Chalk, type ChalkInstance } from 'chalk';

export function styleFor(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
): ChalkInstance {
  const wanted = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return new Chalk({ level: wanted ? 1 : 0 });
}
