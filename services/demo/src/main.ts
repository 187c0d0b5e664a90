#!/usr/bin/env node
// The demo estate and its churn (`npm start`, `elava up --demo`): seeds moto with an estate in
// every configured region, then changes it every few seconds so changes and decisions stream in.
// It writes to AWS, so it refuses to run against anything but an emulator (aws.endpoint).
import { boot } from '@elava/service';
import { demoRegion, startChurn } from './churn.js';

const { runtime, config } = boot('demo');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const endpoint = config.aws.endpoint;
if (!endpoint) {
  log.fatal('the demo writes to AWS and only runs against an emulator: set aws.endpoint (moto)');
  process.exit(2);
}
const regions = [];
for (const region of config.regions) {
  const { ids, seeded } = await demoRegion(endpoint, region);
  log.info(ids, seeded ? 'demo estate seeded' : 'demo estate already there');
  regions.push(ids);
}
// ELAVA_DEMO_CHURN_MS=0 seeds only (the system tests drive the churn steps themselves).
const every = Number(process.env.ELAVA_DEMO_CHURN_MS ?? 8_000);
if (Number.isFinite(every) && every > 0) {
  const stop = startChurn(endpoint, regions, every, (text, region) => log.info({ region }, `churn: ${text}`));
  runtime.onShutdown('churn', stop);
}
runtime.setReady(true);
log.info({ every_ms: every }, every > 0 ? 'demo churn running' : 'demo estate ready; no churn');
