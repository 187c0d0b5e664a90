import { DescribeTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { AccountDirectory } from '@elava/aws';
import { createQueue, createRedis, jetstream, publishEvent, QUEUES, subjects } from '@elava/bus';
import { AwsCloud, type ExecutorSettings, startExecutor } from '@elava/executor';
import { QueryClient } from '@elava/query';
import type { AuditEntryDraft, Decision } from '@elava/types';
import { onTestFinished } from 'vitest';
import { infra, silentLog, unique } from './infra.js';
import { motoProxy } from './proxy.js';
import type { useStage } from './stage.js';

export const EXECUTOR_DEFAULTS: ExecutorSettings = {
  mode: 'enforce',
  requireApproval: false,
  plan: {
    requiredTags: ['elava:owner', 'environment'],
    defaultTags: { 'elava:owner': 'platform' },
    autoProtectProd: false,
    productionTag: { key: 'environment', values: ['production', 'prod'] },
  },
};

export interface TestExecutorOptions {
  prefix: string;
  settings?: Partial<ExecutorSettings>;
  /** Where AWS is (a proxy in front of moto, say). */
  endpoint?: string;
  querySubject?: string;
  guard?: { share?: number; min?: number; windowMs?: number };
  cap?: number;
  claimTtlMs?: number;
  approvalTimeoutMs?: number;
}

/** An executor in process on moto, Redis and NATS, closed when the test ends. */
export async function testExecutor(stage: ReturnType<typeof useStage>, o: TestExecutorOptions) {
  const producer = createRedis(infra().redis, 'producer');
  const consumer = createRedis(infra().redis, 'worker');
  const endpoint = o.endpoint ?? infra().moto;
  const cloud = new AwsCloud(new AccountDirectory([], { region: 'us-east-1', endpoint, purpose: 'write' }), endpoint);
  const running = await startExecutor({
    settings: { ...EXECUTOR_DEFAULTS, ...o.settings },
    guard: { share: 0.2, min: 10, windowMs: 300, ...o.guard },
    cap: { max: o.cap ?? 100, intervalMs: 3_600_000 },
    claimTtlMs: o.claimTtlMs ?? 5_000,
    approvalTimeoutMs: o.approvalTimeoutMs ?? 60_000,
    cloud,
    query: new QueryClient(stage.nc, 2_000, o.querySubject ?? unique('elava.query-none')),
    nc: stage.nc,
    js: jetstream(stage.nc),
    producer,
    consumer,
    log: silentLog,
    owner: unique('executor'),
    prefix: o.prefix,
    durable: unique('elava-executor'),
    // As the killed executor's: its job is found stalled within a second, not the default 30 s.
    jobLock: { lockDuration: 1_000, stalledInterval: 500 },
  });
  onTestFinished(async () => {
    await running.close();
    cloud.destroy();
    producer.disconnect();
    consumer.disconnect();
  });
  return running;
}

/** A proxy in front of moto that counts the write requests it passes on, by operation. */
export async function countingProxy(delayMs = 0) {
  const writes = new Map<string, number>();
  const proxy = await motoProxy({
    delayMs,
    fail: (body) => {
      const op = /Action=(CreateTags|DeleteTags|ModifyInstanceAttribute|ModifyDBInstance|AddTagsToResource)/.exec(
        body,
      )?.[1];
      if (op) writes.set(op, (writes.get(op) ?? 0) + 1);
      return false;
    },
  });
  onTestFinished(() => proxy.close());
  return { url: proxy.url, writes };
}

/** What the services handed the recorder (the audit queue under `prefix`), oldest first. */
export async function trailOf(prefix: string): Promise<AuditEntryDraft[]> {
  const conn = createRedis(infra().redis, 'producer');
  const audit = createQueue<AuditEntryDraft>(QUEUES.audit, { connection: conn, prefix });
  try {
    const jobs = await audit.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed']);
    return jobs.sort((a, b) => a.timestamp - b.timestamp).map((j) => j.data);
  } finally {
    await audit.close();
    conn.disconnect();
  }
}

/** Publishes a decision as the policy service does. */
export async function publishDecision(stage: ReturnType<typeof useStage>, d: Decision): Promise<void> {
  await publishEvent(jetstream(stage.nc), subjects.decision(d.action, d.severity), d, d.id);
}

/** A resource's tags as EC2 shows them now. */
export async function ec2TagsOf(ec2: EC2Client, id: string): Promise<Record<string, string | undefined>> {
  const out = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }));
  return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key, t.Value]));
}
