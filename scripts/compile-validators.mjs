#!/usr/bin/env node
// Writes dist/validators/<name>-<digest>.cjs: the ajv standalone code of each hot-path validator.
// Run after tsc (npm run build does); without these files the validators are compiled at run time.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  standaloneSource,
  validatorKey,
  VALIDATOR_DIR,
  VALIDATORS,
} from '../dist/src/spec/validators.js';

mkdirSync(VALIDATOR_DIR, { recursive: true });
for (const old of readdirSync(VALIDATOR_DIR)) rmSync(VALIDATOR_DIR + old);
for (const name of Object.keys(VALIDATORS))
  writeFileSync(`${VALIDATOR_DIR}${validatorKey(name)}.cjs`, standaloneSource(name));
