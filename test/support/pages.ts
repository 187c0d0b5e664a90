import { createRedis, createWorker, DocumentStash, observationPageSchema, QUEUES } from '@elava/bus';
import type { ObservationPage } from '@elava/types';
import { infra, silentLog } from './infra.js';

/** Stands in for the recorder's queue side: collects every observation page, documents and all, validated. */
export function collectPages(prefix: string) {
  const pages: ObservationPage[] = [];
  const connection = createRedis(infra().redis, 'worker');
  const stashConnection = createRedis(infra().redis, 'producer');
  const stash = new DocumentStash(stashConnection, prefix);
  const worker = createWorker(
    QUEUES.observations,
    async (page: ObservationPage) => {
      pages.push(page);
    },
    {
      connection,
      prefix,
      schema: observationPageSchema,
      log: silentLog,
      concurrency: 8,
      prepare: (data) => stash.takePage(data),
    },
  );
  return {
    pages,
    finals: () => pages.filter((p) => p.final),
    async until(check: () => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(`timed out; pages so far: ${pages.map((p) => p.page_id).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await worker.close();
      connection.disconnect();
      stashConnection.disconnect();
    },
  };
}
