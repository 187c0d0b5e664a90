import { createLogger } from '@elava/log';
import { encodeResource, Store } from '@elava/store';
import { instance, scope, tempDir } from '@elava/store/testing';
import type { ObservationPage, RevisionDeltas } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from './recorder.js';
import type { WalPublisher } from './wal-publisher.js';

const log = createLogger({ service: 'test', level: 'silent' });
const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

const page = (resources = [instance(1), instance(2)]): ObservationPage => ({
  scan_id: 's1',
  page_id: 's1@1#0',
  page: 0,
  attempt: 1,
  scope: scope(),
  observed_at: '2026-11-22T00:00:00.000Z',
  resources: resources.map(encodeResource),
});

/** A trail publisher whose first `failures` rounds fail, as NATS away would make them. */
function flakyWal(failures: number): WalPublisher & { rounds: number } {
  const wal = {
    rounds: 0,
    async catchUp() {
      wal.rounds++;
      if (wal.rounds <= failures) throw new Error('nats away');
    },
  };
  return wal as unknown as WalPublisher & { rounds: number };
}

describe('Recorder hand-on after a commit', () => {
  it('fails the page when the trail could not be published, and a retry hands the same revision on again', async () => {
    const store = await Store.open(tempDir('elava-recorder-'));
    open.push(store);
    const sent: RevisionDeltas[] = [];
    const wal = flakyWal(1);
    const recorder = new Recorder(store, wal, { send: async (d) => void sent.push(d) }, log);

    await expect(recorder.recordPage(page())).rejects.toThrow('nats away');
    // The handoff ran beside the failed publish: nothing of it waits on the other.
    expect(sent.map((d) => d.revision)).toEqual([1]);

    const again = await recorder.recordPage(page());
    expect(again?.duplicate).toBe(true);
    expect(store.revision).toBe(1);
    // Same revision (the deltas job id), so the queue and the detector drop the repeat.
    expect(sent.map((d) => d.revision)).toEqual([1, 1]);
    expect(sent[1]?.deltas.map((d) => d.id)).toEqual(sent[0]?.deltas.map((d) => d.id));
    expect(wal.rounds).toBe(2);
  });

  it('fails the page when the handoff fails, after the trail was still published', async () => {
    const store = await Store.open(tempDir('elava-recorder-'));
    open.push(store);
    const wal = flakyWal(0);
    let calls = 0;
    const recorder = new Recorder(
      store,
      wal,
      {
        send: async () => {
          if (++calls === 1) throw new Error('redis away');
        },
      },
      log,
    );
    await expect(recorder.recordPage(page())).rejects.toThrow('redis away');
    expect(wal.rounds).toBe(1);
    await expect(recorder.recordPage(page())).resolves.toMatchObject({ revision: 1, duplicate: true });
    expect(calls).toBe(2);
  });
});
