import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '@elava/log';
import { type QueryClient, StoreReader } from '@elava/query';
import { Store } from '@elava/store';
import type { AnyResource, Decision, PublishedChange } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCompiled } from './compiled.js';
import type { DecisionSettings } from './decide.js';
import { type PolicyInput, PolicySet } from './policy-set.js';
import { resourceHistory } from './scope.js';
import { PolicyService } from './service.js';

const POLICIES = resolve(import.meta.dirname, '../../../policies');
const ACCOUNT = '123456789012';
const SCOPE = { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance' as const };
const HOUR = 3_600_000;
const SETTINGS: DecisionSettings = {
  mode: 'notify',
  severityActions: { critical: 'alert', warning: 'notify', info: 'audit' },
  remediateTags: false,
  protectBlessed: false,
  autoTag: false,
};

const instance = (native: string, state: string): AnyResource =>
  ({
    id: `aws:${ACCOUNT}:us-east-1:ec2.instance:${native}`,
    provider: 'aws',
    account: ACCOUNT,
    region: 'us-east-1',
    type: 'ec2.instance',
    native_id: native,
    name: native,
    tags: { 'elava:owner': 'team', environment: 'test' },
    attributes: { instance_type: 't3.micro', state },
  }) as unknown as AnyResource;

/**
 * `change_detection.lookback_window` → each changed resource's `history` in its policy input,
 * read from a real store through the recorder's query answers, so elava.transitions' flapping
 * rule (three changes within the window) fires, and stays quiet outside the window.
 */
describe('policy input history', () => {
  let store: Store;
  let set: PolicySet;
  const asked: string[] = [];
  let query: QueryClient;

  beforeAll(async () => {
    store = await Store.open(mkdtempSync(join(tmpdir(), 'elava-history-')));
    const reader = new StoreReader(store);
    // The recorder's answers without NATS: what QueryClient.get returns, errors with their status.
    query = {
      get: async (name: string, params: Record<string, unknown>) => {
        if (name === 'history') asked.push(String(params.id));
        const body = JSON.parse(reader.answer(name as 'history', params));
        if (body.error) throw Object.assign(new Error(body.error), { status: body.status ?? 404 });
        return body;
      },
    } as unknown as QueryClient;
    const { problems, ...library } = readCompiled(POLICIES);
    expect(problems).toEqual([]);
    set = await PolicySet.load(library);
  });
  afterAll(async () => {
    await store.close();
  });

  /** Records the states one after another, one scan each; returns the last revision's change. */
  async function flips(native: string, states: string[]): Promise<PublishedChange> {
    let previous: AnyResource | null = null;
    let last: PublishedChange | null = null;
    for (const [i, state] of states.entries()) {
      const current = instance(native, state);
      const r = await store.applyScan(`${native}-${i}`, SCOPE, [current], {});
      const d = r.deltas.find((x) => x.id === current.id);
      last = {
        id: `chg_${native}_${i}`,
        type: previous ? 'status_changed' : 'appeared',
        store: store.id,
        resource_id: current.id,
        revision: r.revision,
        previous_revision: d?.previous?.revision.main ?? null,
        time: r.time,
        diff: previous
          ? [{ path: 'attributes.state', before: (previous.attributes as { state?: string }).state, after: state }]
          : [],
        previous,
        current,
        severity: 'info',
      };
      previous = current;
    }
    return last as PublishedChange;
  }

  async function decide(change: PublishedChange, lookbackMs: number) {
    const decisions: Decision[] = [];
    const inputs: PolicyInput[] = [];
    const service = new PolicyService(
      SETTINGS,
      {
        evaluate: async (batch) => {
          inputs.push(...batch);
          return batch.map((i) => set.evaluate(i));
        },
        recall: async () => {},
        admit: async (ps) => ps.map((p) => p.key),
        confirm: async () => {},
        publish: async (ds) => void decisions.push(...ds),
        audit: async () => {},
        explainOwn: async (_s, _id, diff) => diff,
        resources: async function* () {},
        history: (id, window) => resourceHistory(query, id, window),
      },
      createLogger({ service: 'test', level: 'silent' }),
      { lookbackMs },
    );
    await service.handle({
      store: store.id,
      key: `req-${change.id}-${lookbackMs}`,
      revision: change.revision,
      changes: [change],
    });
    const flapping = decisions.filter((d) => d.policy?.package === 'elava.transitions');
    return { flapping, history: inputs[0]?.history };
  }

  it('fires on a resource that flapped within the window', async () => {
    const change = await flips('i-flap', ['running', 'stopped', 'running', 'stopped']);
    asked.length = 0;
    const { flapping, history } = await decide(change, 24 * HOUR);
    expect(asked).toEqual([change.resource_id]);
    expect((history as { type: string }[]).map((h) => h.type)).toEqual([
      'appeared',
      'status_changed',
      'status_changed',
      'status_changed',
    ]);
    expect(flapping.map((d) => [d.action, d.severity, d.reason])).toEqual([
      ['notify', 'warning', `${change.resource_id} changed 3 times within the lookback window`],
    ]);
  });

  it('keeps quiet when the changes are older than the window, with no window, and for a single change', async () => {
    const change = await flips('i-old', ['running', 'stopped', 'running', 'stopped']);
    // Seen two hours later with a one-hour window: the flips are outside it.
    const later = { ...change, time: new Date(Date.parse(change.time) + 2 * HOUR).toISOString() };
    const outside = await decide(later, HOUR);
    expect(outside.history).toEqual([]);
    expect(outside.flapping).toEqual([]);
    asked.length = 0;
    const none = await decide(change, 0);
    expect(asked).toEqual([]);
    expect(none.history).toBeUndefined();
    expect(none.flapping).toEqual([]);
    const once = await flips('i-once', ['running', 'stopped']);
    expect((await decide(once, 24 * HOUR)).flapping).toEqual([]);
  });

  it('asks nothing about a resource first recorded by the change', async () => {
    const change = await flips('i-new', ['running']);
    asked.length = 0;
    const { history } = await decide(change, 24 * HOUR);
    expect(asked).toEqual([]);
    expect(history).toEqual([{ type: 'appeared', revision: change.revision, time: change.time }]);
  });
});
