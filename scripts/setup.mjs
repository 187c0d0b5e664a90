#!/usr/bin/env node
// `npm run setup`: install whatever is missing (npm packages, Redis, NATS, opa, moto). Idempotent.
import { installAll } from './lib/install.mjs';
import { red, SetupError } from './lib/term.mjs';

try {
  await installAll({ browser: true });
} catch (err) {
  console.error(red(err instanceof SetupError ? err.message : err.stack));
  process.exit(2);
}
