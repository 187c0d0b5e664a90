import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyResource, Scope } from '@elava/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';
import { CompactedError } from './errors.js';
import { Store } from './kvstore.js';
import { ACCOUNT, tempDir } from './testing/fixtures.js';

/**
 * Model-based test: random scans (complete or partial, filtered or not, in several scopes),
 * re-appearances, compactions and reopens, checked after every step against a plain in-memory
 * model at every revision.
 */
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const TYPES = ['ec2.instance', 'ec2.volume'] as const;
const SLOTS = 4;

function resource(region: string, type: string, slot: number, variant: number): AnyResource {
  const native = `${type === 'ec2.volume' ? 'vol' : 'i'}-${slot}`;
  return {
    id: `aws:${ACCOUNT}:${region}:${type}:${native}`,
    provider: 'aws',
    account: ACCOUNT,
    region,
    type,
    native_id: native,
    name: '',
    status: `v${variant}`,
    tags: variant % 2 === 0 ? { env: 'prod' } : { env: 'dev', extra: String(variant) },
    attributes: { n: variant },
  } as unknown as AnyResource;
}

type Action =
  | { kind: 'scan'; region: number; type: number; seen: [number, number][]; complete: boolean; filtered: boolean }
  | { kind: 'compact'; back: number }
  | { kind: 'reopen'; dropCheckpoint: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('scan' as const),
      region: fc.integer({ min: 0, max: REGIONS.length - 1 }),
      type: fc.integer({ min: 0, max: TYPES.length - 1 }),
      seen: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: SLOTS - 1 }), fc.integer({ min: 0, max: 2 })), {
        selector: ([slot]) => slot,
        maxLength: SLOTS,
      }),
      complete: fc.boolean(),
      filtered: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), dropCheckpoint: fc.boolean() }) },
);

/** id → per revision, the canonical document or null (gone). */
class Model {
  rev = 0;
  compactedAt = 0;
  private history = new Map<string, { rev: number; doc: string | null }[]>();

  private latest(id: string) {
    const h = this.history.get(id);
    return h?.[h.length - 1]?.doc ?? null;
  }

  scan(scope: Scope, docs: AnyResource[], complete: boolean): void {
    this.rev++;
    const seen = new Set<string>();
    for (const r of docs) {
      seen.add(r.id);
      const doc = canonicalJson(r);
      if (this.latest(r.id) !== doc) this.push(r.id, doc);
    }
    if (complete && !scope.filter) {
      for (const id of this.history.keys()) {
        const [, , region, type] = id.split(':');
        if (region === scope.region && type === scope.type && !seen.has(id) && this.latest(id) !== null)
          this.push(id, null);
      }
    }
  }

  private push(id: string, doc: string | null) {
    const h = this.history.get(id) ?? [];
    h.push({ rev: this.rev, doc });
    this.history.set(id, h);
  }

  at(id: string, rev: number): string | null {
    let doc: string | null = null;
    for (const v of this.history.get(id) ?? []) if (v.rev <= rev) doc = v.doc;
    return doc;
  }

  ids(): string[] {
    return [...this.history.keys()].sort();
  }
}

function agree(store: Store, model: Model): void {
  expect(store.revision).toBe(model.rev);
  for (let rev = model.compactedAt; rev <= model.rev; rev++) {
    const live: string[] = [];
    for (const id of model.ids()) {
      const want = model.at(id, rev);
      const got = store.get(id, rev);
      expect(got?.resource ? canonicalJson(got.resource) : null, `${id} at ${rev}`).toBe(want);
      if (want !== null) live.push(id);
    }
    expect(
      [...store.range({}, { at: rev })].map((v) => v.id),
      `range at ${rev}`,
    ).toEqual(live);
    const prod = [...store.range({ tag: 'env=prod' }, { at: rev })].map((v) => v.id);
    expect(prod).toEqual(live.filter((id) => (model.at(id, rev) ?? '').includes('"env":"prod"')));
  }
  if (model.compactedAt > 0)
    expect(() => store.get(model.ids()[0] ?? 'x', model.compactedAt - 1)).toThrow(CompactedError);
}

describe('Store against a model', () => {
  it('agrees at every revision after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        const dir = tempDir('elava-prop-');
        const opts = { segmentBytes: 2048 };
        let store = await Store.open(dir, opts);
        const model = new Model();
        try {
          let batch = 0;
          for (const a of actions) {
            if (a.kind === 'scan') {
              const region = REGIONS[a.region] as string;
              const type = TYPES[a.type] as Scope['type'];
              const scope: Scope = {
                account: ACCOUNT,
                region,
                type,
                ...(a.filtered ? { filter: { tags: { env: 'prod' } } } : {}),
              };
              const docs = a.seen.map(([slot, variant]) => resource(region, type, slot, variant));
              await store.applyScan(`b${batch++}`, scope, docs, { complete: a.complete });
              model.scan(a.filtered ? scope : { ...scope, filter: undefined }, docs, a.complete);
            } else if (a.kind === 'compact') {
              const rev = model.rev - a.back;
              if (rev > model.compactedAt) {
                await store.compact(rev);
                model.compactedAt = rev;
              }
            } else {
              await store.close();
              if (a.dropCheckpoint) rmSync(join(dir, 'index.ckpt'), { force: true });
              store = await Store.open(dir, opts);
            }
            agree(store, model);
          }
          expect(store.verifyAudit().ok).toBe(true);
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.ELAVA_PROPERTY_RUNS ?? 40) },
    );
  }, 120_000);
});
