import {
  AckedPublisher,
  AuditProducer,
  createWorker,
  type NatsConnection,
  OwnWrites,
  policyRequestSchema,
  QUEUES,
  redisPrefix,
  subjects,
} from '@elava/bus';
import type { Logger } from '@elava/log';
import type { QueryClient } from '@elava/query';
import type { PolicyRequest } from '@elava/types';
import type { Redis } from 'ioredis';
import type { DecisionSettings } from './decide.js';
import type { PolicyMemo } from './memo.js';
import type { PolicyPool } from './pool.js';
import { DecisionMemory } from './remember.js';
import { currentStore, decidedSince, resourceHistory, scopeResources } from './scope.js';
import { PolicyService } from './service.js';

export interface PolicyWiring {
  settings: DecisionSettings;
  renotifyMs: number;
  /** Asks the recorder for a scope's resources (scope requests). */
  query: QueryClient;
  /** The current pool; a rebuilt library swaps it between jobs. */
  pool: () => PolicyPool;
  nc: NatsConnection;
  producer: Redis;
  consumer: Redis;
  log: Logger;
  prefix?: string;
  /** Types with counted expectations in policies.expected. */
  countedTypes?: ReadonlySet<string>;
  /** change_detection.lookback_window: how far back each input's `history` reaches (0: none). */
  lookbackMs?: number;
  /** policies.shadow as it stands now (a config reload may change it between requests). */
  shadow?: () => ReadonlySet<string>;
  /** policies.memo: evaluations remembered per store and library (absent: every input evaluated). */
  memo?: PolicyMemo;
}

/**
 * Requests in from the detector's queue, decisions out on `elava.decisions.<action>.<severity>`
 * (shadow packages' on `elava.shadow.decisions.<action>.<severity>`, a stream the caller ensures:
 * SHADOW_STREAM).
 */
export function startPolicy(w: PolicyWiring) {
  const audit = new AuditProducer(w.producer, w.prefix);
  const own = new OwnWrites(w.producer, redisPrefix(w.prefix));
  const decisions = new AckedPublisher(w.nc);
  const memory = new DecisionMemory(w.producer, w.renotifyMs, redisPrefix(w.prefix), {
    current: () => currentStore(w.query),
    decidedSince: (since) => decidedSince(w.query, since),
  });
  const service = new PolicyService(
    w.settings,
    {
      evaluate: (inputs, store, hashes) =>
        w.memo ? w.memo.evaluate(w.pool(), store, inputs, hashes) : w.pool().evaluate(inputs),
      recall: async (store) => {
        const n = await memory.recall(store);
        if (n > 0) w.log.info({ store, recalled: n }, 'decision memory rebuilt from the audit trail');
      },
      admit: (ps) => memory.admitAll(ps),
      confirm: (ps) => memory.confirm(ps),
      publish: async (list) =>
        void (await decisions.publish(
          list.map((d) => ({ subject: subjects.decision(d.action, d.severity), data: JSON.stringify(d), msgID: d.id })),
        )),
      publishShadow: async (list) =>
        void (await decisions.publish(
          list.map((d) => ({
            subject: subjects.shadowDecision(d.action, d.severity),
            data: JSON.stringify(d),
            msgID: d.id,
          })),
        )),
      resources: (scope, revision) => scopeResources(w.query, scope, revision),
      explainOwn: (store, id, diff) => own.explain(store, id, diff),
      history: (id, window) => resourceHistory(w.query, id, window),
      audit: (drafts) => audit.send(drafts),
    },
    w.log,
    { countedTypes: w.countedTypes, lookbackMs: w.lookbackMs, shadow: w.shadow },
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
      decisions.close();
      await audit.close();
    },
  };
}
