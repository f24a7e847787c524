// Contractor's own version, part of every cache key and provenance record.
import { readFileSync } from 'node:fs';

export const CONTRACTOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
