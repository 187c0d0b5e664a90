import {
  createQueue,
  createWorker,
  type JetStreamClient,
  OwnWrites,
  policyRequestSchema,
  publishEvent,
  QUEUES,
  subjects,
} from '@elava/bus';
import type { Logger } from '@elava/log';
import type { QueryClient } from '@elava/query';
import type { AuditEntryDraft, PolicyRequest } from '@elava/types';
import type { Redis } from 'ioredis';
import type { DecisionSettings } from './decide.js';
import type { PolicyPool } from './pool.js';
import { DecisionMemory } from './remember.js';
import { scopeResources } from './scope.js';
import { PolicyService } from './service.js';

export interface PolicyWiring {
  settings: DecisionSettings;
  renotifyMs: number;
  /** Asks the recorder for a scope's resources (scope requests). */
  query: QueryClient;
  /** The current pool; a rebuilt library swaps it between jobs. */
  pool: () => PolicyPool;
  js: JetStreamClient;
  producer: Redis;
  consumer: Redis;
  log: Logger;
  prefix?: string;
  /** Types with counted expectations in policies.expected. */
  countedTypes?: ReadonlySet<string>;
}

/** Requests in from the detector's queue, decisions out on `elava.decisions.<action>.<severity>`. */
export function startPolicy(w: PolicyWiring) {
  const audit = createQueue<AuditEntryDraft>(QUEUES.audit, { connection: w.producer, prefix: w.prefix });
  const own = new OwnWrites(w.producer, w.prefix ?? process.env.ELAVA_QUEUE_PREFIX ?? 'elava');
  const memory = new DecisionMemory(w.producer, w.renotifyMs, w.prefix ?? process.env.ELAVA_QUEUE_PREFIX ?? 'elava');
  const service = new PolicyService(
    w.settings,
    {
      evaluate: (inputs) => w.pool().evaluate(inputs),
      admit: (p) => memory.admit(p),
      confirm: (ps) => memory.confirm(ps),
      publish: async (decisions) => {
        for (let i = 0; i < decisions.length; i += 256)
          await Promise.all(
            decisions
              .slice(i, i + 256)
              .map((d) => publishEvent(w.js, subjects.decision(d.action, d.severity), d, d.id)),
          );
      },
      resources: (scope, revision) => scopeResources(w.query, scope, revision),
      explainOwn: (id, diff) => own.explain(id, diff),
      audit: async (drafts) =>
        drafts.length === 0
          ? undefined
          : void (await audit.addBulk(
              drafts.map(({ draft, key }) => ({ name: draft.type, data: { ...draft, key }, opts: { jobId: key } })),
            )),
    },
    w.log,
    { countedTypes: w.countedTypes },
  );
  const worker = createWorker<PolicyRequest>(QUEUES.policy, async (req) => void (await service.handle(req)), {
    connection: w.consumer,
    prefix: w.prefix,
    schema: policyRequestSchema,
    log: w.log,
    concurrency: 1,
  });
  return {
    service,
    async close() {
      await worker.close();
      await audit.close();
    },
  };
}
