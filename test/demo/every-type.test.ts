import { ClientSet, listKeysOf, PROVIDERS } from '@elava/aws';
import { changeEveryType, GLOBAL_NEW_TYPES, NEW_TYPES, type NewType, seedEveryType } from '@elava/demo';
import { diff } from '@elava/store';
import type { AnyResource } from '@elava/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const COUNT = 2;
const credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });

const regionOf = (type: NewType) => (GLOBAL_NEW_TYPES.includes(type) ? 'global' : REGION);

/** A reader that is still a placeholder: skipped in this run, named in the output. */
const placeholder = (err: unknown) => /not written yet/.test(String((err as Error)?.message ?? err));

/**
 * Every resource of the type in the scope, all pages. Launch templates are asked for by our tag:
 * moto (5.2) answers DescribeLaunchTemplates with the first MaxResults (15 by default) and no
 * NextToken, so on a moto that has kept more than 15 the seeded ones could be past the end.
 */
async function scan(type: NewType, prefix: string): Promise<AnyResource[]> {
  const clients = new ClientSet({ region: regionOf(type), endpoint: infra().moto, credentials });
  const filter = type === 'ec2.launch_template' ? { tags: { seeded: prefix } } : undefined;
  const out: AnyResource[] = [];
  try {
    for await (const page of PROVIDERS[type].pages({ account: ACCOUNT, region: regionOf(type), clients }, filter))
      out.push(...(page as AnyResource[]));
  } finally {
    clients.destroy();
  }
  return out;
}

describe('seedEveryType and changeEveryType against moto', () => {
  const prefix = unique('et');
  let seeded: Awaited<ReturnType<typeof seedEveryType>>;
  const skipped = new Set<NewType>();
  const first = new Map<NewType, AnyResource[]>();

  /** Every type scanned, placeholder readers left out (and remembered). */
  async function scanAll(): Promise<Map<NewType, AnyResource[]>> {
    const out = new Map<NewType, AnyResource[]>();
    await Promise.all(
      NEW_TYPES.map(async (type) => {
        try {
          out.set(type, await scan(type, prefix));
        } catch (err) {
          if (!placeholder(err)) throw err;
          skipped.add(type);
        }
      }),
    );
    return out;
  }

  /** Ours: the seeded ids, and whatever carries our `seeded` tag (the shared dependencies). */
  const ours = (type: NewType, rs: AnyResource[]) =>
    rs.filter((r) => seeded[type]?.includes(r.native_id) || r.tags.seeded === prefix);

  beforeAll(async () => {
    seeded = await seedEveryType(infra().moto, REGION, { prefix, count: COUNT, global: true });
    for (const [type, rs] of await scanAll()) first.set(type, rs);
    if (skipped.size) console.warn(`every-type: readers not written yet, skipped: ${[...skipped].join(', ')}`);
  });

  it('seeds every one of the 30 newer types, COUNT of each', () => {
    expect(NEW_TYPES).toHaveLength(30);
    expect(GLOBAL_NEW_TYPES.every((t) => NEW_TYPES.includes(t))).toBe(true);
    for (const type of NEW_TYPES) {
      expect(seeded[type], type).toHaveLength(COUNT);
      expect(new Set(seeded[type]).size, type).toBe(COUNT);
    }
  });

  it("every seeded id is what the type's reader reports, with an ARN; named and tagged after the prefix", () => {
    for (const type of NEW_TYPES) {
      if (skipped.has(type)) continue;
      const rs = first.get(type) ?? [];
      for (const id of seeded[type] ?? []) {
        const r = rs.find((x) => x.native_id === id);
        expect(r, `${type} ${id} not among ${rs.map((x) => x.native_id).join(', ')}`).toBeDefined();
        expect(r?.attributes.arn, `${type} ${id} attributes.arn`).toEqual(expect.stringMatching(/^arn:aws:/));
        expect(r?.region, `${type} ${id} region`).toBe(regionOf(type));
        // A listener has no name of its own: it is called by protocol and port.
        if (type !== 'elbv2.listener') expect(r?.name, `${type} ${id} name`).toMatch(new RegExp(`^${prefix}-`));
        if (PROVIDERS[type].tagWrites.writable) expect(r?.tags.seeded, `${type} ${id} tags`).toBe(prefix);
      }
    }
  });

  it('one change on the first resource of each type: that resource alone differs, in tags.changed or outside the tags', async () => {
    const kinds = await changeEveryType(infra().moto, REGION, seeded, { global: true });
    const after = await scanAll();
    for (const type of NEW_TYPES) {
      if (skipped.has(type)) continue;
      const kind = kinds[type];
      expect(kind, `${type} change kind`).toMatch(/^(tag_drift|modified)$/);
      if (!PROVIDERS[type].tagWrites.writable) expect(kind, type).toBe('modified');
      const target = seeded[type]?.[0] as string;
      const before = ours(type, first.get(type) ?? []);
      const now = ours(type, after.get(type) ?? []);
      expect(now.map((r) => r.id).sort(), `${type} resources`).toEqual(before.map((r) => r.id).sort());
      for (const b of before) {
        const a = now.find((r) => r.id === b.id) as AnyResource;
        const paths = diff(b, a, listKeysOf(type)).map((d) => d.path);
        if (b.native_id !== target) {
          expect(paths, `${type} ${b.native_id} (not the changed one)`).toEqual([]);
        } else if (kind === 'tag_drift') {
          expect(paths, `${type} ${b.native_id}`).toEqual(['tags.changed']);
          expect(a.tags.changed).toBe('yes');
        } else {
          expect(paths.length, `${type} ${b.native_id}: a change`).toBeGreaterThan(0);
          expect(
            paths.filter((p) => p === 'tags' || p.startsWith('tags.')),
            `${type} ${b.native_id}: not in tags`,
          ).toEqual([]);
        }
      }
    }
  });
});
