// One `manager serve` in miniature for job-slots.test.ts: takes a job slot as a session does,
// prints "taken" or the refusal, and holds the slot until its stdin closes or it is killed.
import { takeJobSlot } from '../../src/manager/remote/job-slots.js';

const [dir = '', capacity = '1', client, perClient] = process.argv.slice(2);
try {
  const release = await takeJobSlot(dir, {
    capacity: Number(capacity),
    ...(client ? { client } : {}),
    ...(perClient ? { perClient: Number(perClient) } : {}),
  });
  process.stdout.write('taken\n');
  process.stdin.on('end', () => void release());
  process.stdin.resume();
} catch (err) {
  process.stdout.write(`refused: ${(err as Error).message}\n`);
}
