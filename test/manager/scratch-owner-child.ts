// A manager in miniature for scratch-dir.test.ts: makes one scratch directory under the given
// base and sweeps the base, as a job does, prints its path, and lives until killed.
import { makeScratchDir, sweepScratchDirs } from '../../src/manager/scratch-dir.js';

const base = process.argv[2];
const dir = await makeScratchDir('owner', base);
await sweepScratchDirs(base);
process.stdout.write(`${dir}\n`);
process.stdin.resume();
