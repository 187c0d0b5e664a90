#!/usr/bin/env node
// The notifier process: notify/alert decisions from ELAVA_DECISIONS to a Slack-compatible webhook.
import {
  AuditProducer,
  connectNats,
  consumeDurable,
  createRedis,
  decisionSchema,
  ensureStreams,
  startHeartbeat,
} from '@elava/bus';
import { boot } from '@elava/service';
import type { Decision } from '@elava/types';
import { Notifier } from './notifier.js';
import { post } from './webhook.js';

const { runtime, config } = boot('notifier');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const slack = config.actions.notifications.slack;
const producer = createRedis(config.redis.url, 'producer', 'elava-notifier');
runtime.onShutdown('redis', async () => void (await producer.quit()));
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
if (!slack.enabled || !slack.webhook) {
  log.info('Slack notifications are off (actions.notifications.slack.enabled); nothing to do');
  runtime.setReady(true);
} else {
  const webhook = slack.webhook;
  const audit = new AuditProducer(producer, config.redis.prefix);
  runtime.onShutdown('audit queue', () => audit.close());
  const notifier = new Notifier(
    { channels: slack.channels, digestThreshold: slack.digest_threshold, windowMs: 2_000 },
    {
      post: (message) => post(webhook, message),
      audit: (entries) => audit.send(entries),
    },
    log,
  );
  const nc = await connectNats(config.nats.url, 'elava-notifier', log);
  runtime.onShutdown('nats', () => nc.drain());
  await ensureStreams(nc, undefined, { maxAgeMs: config.nats.retention });
  // nats-server 2.9 takes one filter subject: every decision comes, the notifier keeps its own.
  const consumer = await consumeDurable<Decision>(nc, {
    stream: 'ELAVA_DECISIONS',
    durable: 'elava-notifier',
    filterSubjects: ['elava.decisions.>'],
    schema: decisionSchema,
    log,
    concurrency: 1_000,
    ackWaitMs: 120_000,
    handler: (d) => notifier.accept(d),
  });
  runtime.onShutdown('consumer', async () => {
    await notifier.drain();
    await consumer.stop();
  });
  runtime.addReadinessCheck('nats', () => !nc.isClosed());
  runtime.setReady(true);
  log.info({ channels: slack.channels, digest_threshold: slack.digest_threshold }, 'notifier ready');
}
