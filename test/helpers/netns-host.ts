// A test host in a network namespace of its own, reached from this machine over a veth pair:
// an address outside the ranges the egress proxy refuses, that no traffic leaves the machine for.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface NetnsHost {
  /** The host's address, in 203.0.113.0/24 (TEST-NET-3). */
  address: string;
  /** Each line the program printed, as it came. */
  lines: string[];
  stop: () => void;
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });

/**
 * Starts `node program ...args` inside a new network namespace whose one address is routed from
 * here; resolves when the program prints its first line (it should print one once it listens).
 * Needs root: the veth's near end lives in this machine's own namespace.
 */
export async function startNetnsHost(program: string, args: string[]): Promise<NetnsHost> {
  // A /30 of its own, chosen by pid, so two test runs on one machine do not meet.
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = (process.pid + attempt) % 64;
    const name = `ctd${k}`;
    const near = `203.0.113.${4 * k + 1}`;
    const address = `203.0.113.${4 * k + 2}`;
    try {
      ip('netns', 'add', name);
    } catch {
      continue; // taken by another run
    }
    const stop = (): void => {
      for (const args of [
        ['link', 'del', `${name}h`],
        ['netns', 'del', name],
      ])
        try {
          ip(...args);
        } catch {
          // already gone
        }
    };
    try {
      ip('link', 'add', `${name}h`, 'type', 'veth', 'peer', 'name', `${name}n`);
      ip('link', 'set', `${name}n`, 'netns', name);
      ip('addr', 'add', `${near}/30`, 'dev', `${name}h`);
      ip('link', 'set', `${name}h`, 'up');
      ip('-n', name, 'addr', 'add', `${address}/30`, 'dev', `${name}n`);
      ip('-n', name, 'link', 'set', `${name}n`, 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
    } catch (err) {
      stop();
      throw err;
    }
    const child: ChildProcess = spawn(
      'ip',
      ['netns', 'exec', name, process.execPath, program, address, ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => lines.push(l));
    const ended = (): void => {
      child.kill('SIGKILL');
      stop();
    };
    await Promise.race([
      once(rl, 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`the test host ${program} ended before it listened`);
      }),
    ]).catch((err: unknown) => {
      ended();
      throw err;
    });
    return { address, lines, stop: ended };
  }
  throw new Error('no free test network namespace (ctd0..ctd63 all taken)');
}
