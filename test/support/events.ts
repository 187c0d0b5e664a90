import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createQueue, QUEUES } from '@elava/bus';
import type { DetectorWiring, PublishedChange } from '@elava/detector';
import { type EventsWiring, startEvents } from '@elava/events';
import { StoreReader } from '@elava/query';
import type { ResourceType, ScanJob } from '@elava/types';
import { ACCOUNT } from './cloudtrail.js';
import { ELAVA_PATTERNS, EventBridge } from './eventbridge.js';
import { awsClientConfig, infra, silentLog, unique } from './infra.js';
import { startRecording, until } from './pipeline.js';
import { testScanner } from './scanner.js';
import { type useStage, watchStream } from './stage.js';

/**
 * The event path in process, on moto, real Redis and NATS: EventBridge rules (PutRule/PutTargets)
 * to an SQS queue with a dead-letter queue, the events service long-polling it, two scanners,
 * the recorder and the detector; changes watched on NATS. No scheduler: nothing is swept unless
 * the test says `sweep`.
 */
export async function startEventPath(
  stage: ReturnType<typeof useStage>,
  o: {
    types: readonly ResourceType[];
    recheckDelays?: number[];
    events?: Partial<EventsWiring>;
    /** attribution.cloudtrail_lookup's lookup, for changes a sweep sees. */
    attribute?: DetectorWiring['attribute'];
  },
) {
  const { prefix, store, conns, close } = await startRecording(stage, 'events', {
    ...(o.attribute ? { attribute: o.attribute } : {}),
  });
  for (let i = 0; i < 2; i++) testScanner(prefix, stage.defer, { recheckDelays: o.recheckDelays ?? [500, 1_000] });

  // The queue and its dead-letter queue, fed by the rules docs/events sets up.
  const sqs = new SQSClient(awsClientConfig());
  const name = unique('elava-events-q');
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  const bridge = new EventBridge(infra().moto);
  for (const [i, pattern] of ELAVA_PATTERNS.entries()) await bridge.ruleToQueue(`${name}-${i}`, pattern, queueArn);

  const changes = await watchStream<PublishedChange>(stage, 'ELAVA_CHANGES', (c) => c.store === store.id);
  const events = startEvents({
    sqs,
    queues: [{ url: queueUrl, account: ACCOUNT, region: 'us-east-1', dlq_url: dlqUrl }],
    settings: { accounts: new Set([ACCOUNT]), executorRoles: new Set() },
    producer: conns[4]!,
    prefix,
    log: silentLog,
    pollers: 1,
    ...o.events,
  });
  const scanQueue = createQueue<ScanJob>(QUEUES.scan, { connection: conns[6]!, prefix });
  stage.defer(async () => {
    await events.close();
    await scanQueue.close();
    await close();
    sqs.destroy();
  });

  /** A full scan of every type, waited for until recorded (the baseline, or a sweep). */
  async function sweep(round: string): Promise<void> {
    const ids = o.types.map((t) => `${round}-${t.replace('.', '-')}-${unique('s')}`);
    for (const [i, type] of o.types.entries()) {
      const global = type.startsWith('iam.');
      await scanQueue.add('scan', {
        scan_id: ids[i]!,
        scope: { account: ACCOUNT, region: global ? 'global' : 'us-east-1', type },
        requested_by: 'cli',
      });
    }
    await until(
      () =>
        store.audit({ types: ['scan_completed'] }).filter((e) => ids.includes((e.data as { scan_id: string }).scan_id))
          .length === ids.length,
      `sweep ${round}`,
      30_000,
    );
  }

  /** What reached the dead-letter queue (each message's body and the reason given). */
  async function deadLetters(): Promise<{ body: string; reason?: string }[]> {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    return (out.Messages ?? []).map((m) => ({
      body: m.Body ?? '',
      reason: m.MessageAttributes?.['elava-reason']?.StringValue,
    }));
  }

  return {
    prefix,
    store,
    changes,
    bridge,
    sqs,
    queueUrl,
    scanQueue,
    events,
    sweep,
    deadLetters,
    reader: new StoreReader(store),
  };
}

export { until } from './pipeline.js';
