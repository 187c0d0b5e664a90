import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CompactedError, Store } from '@elava/store';
import { describe, expect, it } from 'vitest';
import { tempDirFor } from '../support/infra.js';

const KILLS = Number(process.env.ELAVA_CRASH_KILLS ?? 50);

interface Ack {
  batch: string;
  rev: number;
  seq: number;
  first: number;
  size: number;
}

/** Runs the writer until a random moment after its first acknowledgement, then SIGKILLs it. */
function runAndKill(dir: string, run: number): Promise<{ acks: Ack[]; begun: Map<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'crash-writer.mjs'), dir, String(run), String(run * 7919 + 1)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acks: Ack[] = [];
    const begun = new Map<string, number>();
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [word, batch, a, b, c, d2] = line.split(' ');
        if (word === 'begin') begun.set(batch as string, Number(a));
        if (word === 'ack') {
          acks.push({ batch: batch as string, rev: Number(a), seq: Number(b), first: Number(c), size: Number(d2) });
          // Kill at a random moment in the next 5–150 ms, mid-write as often as not.
          timer ??= setTimeout(() => child.kill('SIGKILL'), 5 + ((run * 37) % 145));
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (${code}): ${stderr}`));
      else resolve({ acks, begun });
    });
  });
}

describe('the store under SIGKILL', () => {
  it(`keeps every acknowledged batch, shows no half batch, continues revisions (${KILLS} kills)`, async () => {
    const dir = tempDirFor('elava-crash-');
    const acked: Ack[] = [];
    let lastRevision = 0;
    const seen = { torn: 0, compactionsFinished: 0, compactedAt: 0 };
    for (let run = 0; run < KILLS; run++) {
      const { acks, begun } = await runAndKill(dir, run);
      acked.push(...acks);
      const store = await Store.open(dir, { segmentBytes: 64 * 1024 });
      if (store.report.torn) seen.torn++;
      if (store.report.finishedCompaction) seen.compactionsFinished++;
      seen.compactedAt = store.compactedAt;
      try {
        // Revisions continue and never go back below what was acknowledged.
        const maxAck = Math.max(lastRevision, ...acks.map((a) => a.rev));
        expect(store.revision).toBeGreaterThanOrEqual(maxAck);
        lastRevision = store.revision;

        // Every acknowledged batch is there, at its revision, unless compacted away since.
        for (const a of acked) {
          if (a.rev < store.compactedAt) continue;
          for (let k = 0; k < a.size; k++) {
            const id = `aws:123456789012:us-east-1:ec2.instance:i-${String((a.first + k) % 200).padStart(6, '0')}`;
            let got: ReturnType<Store['get']>;
            try {
              got = store.get(id, a.rev);
            } catch (err) {
              if (err instanceof CompactedError) continue;
              throw err;
            }
            expect(got?.resource?.tags.batch, `${id} at ${a.rev}`).toBeDefined();
          }
          const mine = store.audit({ after: a.seq - 1, limit: 1 })[0];
          expect(mine?.data).toMatchObject({ batch: a.batch, size: a.size });
        }

        // The newest revision holds its whole batch, acknowledged or not.
        const newest = store.changesSince(store.revision - 1);
        const batchOfNewest = newest[0] ? store.get(newest[0].id)?.resource?.tags.batch : undefined;
        if (batchOfNewest && begun.has(batchOfNewest)) expect(newest.length).toBe(begun.get(batchOfNewest));

        expect(store.verifyAudit().ok).toBe(true);
      } finally {
        await store.close();
      }

      // The index after a checkpointed open equals one rebuilt from the log alone.
      if (run % 10 === 9) {
        const withCkpt = await Store.open(dir, { segmentBytes: 64 * 1024 });
        const a = {
          stats: withCkpt.stats(),
          live: [...withCkpt.range({})],
          scopes: withCkpt.scopes(),
          audit: withCkpt.audit(),
        };
        await withCkpt.close();
        rmSync(join(dir, 'index.ckpt'));
        const rebuilt = await Store.open(dir, { segmentBytes: 64 * 1024 });
        expect(rebuilt.report.checkpoint).toBe('absent');
        expect({
          stats: rebuilt.stats(),
          live: [...rebuilt.range({})],
          scopes: rebuilt.scopes(),
          audit: rebuilt.audit(),
        }).toEqual(a);
        await rebuilt.close();
      }
    }
    expect(acked.length).toBeGreaterThan(KILLS);
    console.log(
      `crash test: ${KILLS} kills, ${acked.length} acknowledged batches, revision ${lastRevision}, ` +
        `torn tails truncated ${seen.torn}, compactions finished at open ${seen.compactionsFinished}, compacted at ${seen.compactedAt}`,
    );
  }, 600_000);
});
