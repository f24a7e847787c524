// Contractor's own version, part of every cache key and provenance record.
import { readFileSync } from 'node:fs';
import { installPath } from './install-root.js';

export const CONTRACTOR_VERSION: string = (
  JSON.parse(readFileSync(installPath('package.json'), 'utf8')) as {
    version: string;
  }
).version;
