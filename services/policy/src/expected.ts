import { readFileSync } from 'node:fs';
import type { ElavaConfig } from '@elava/config';
import { RESOURCE_TYPES, TYPE_CATALOG } from '@elava/types';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The desired inventory (`policies.expected`): per resource type, entries selecting resources by
 * tags (`match`), how many there should be in each account and region (`count`, optionally only in
 * `accounts`/`regions`) and the tags they must carry (`tags`).
 * Passed to the policies as data.elava.expected.
 */
const tags = z.record(z.string(), z.string());
const entry = z.strictObject({
  name: z.string().min(1),
  match: tags.default({}),
  count: z.number().int().min(0).optional(),
  /** Where `count` holds; every scanned account and region when absent. */
  accounts: z
    .array(z.string().regex(/^\d{12}$/, 'an account id is 12 digits'))
    .min(1)
    .optional(),
  regions: z.array(z.string().min(1)).min(1).optional(),
  tags: tags.default({}),
});
const schema = z.partialRecord(z.enum(RESOURCE_TYPES), z.array(entry));
export type ExpectedInventory = z.infer<typeof schema>;

export class ExpectedInventoryError extends Error {}

export function readExpected(path: string): ExpectedInventory {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ExpectedInventoryError(`expected inventory ${path}: ${(err as Error).message}`);
  }
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => `  - ${[...i.path, k].join('.')}: not a resource type Elava knows`)
      : [`  - ${i.path.join('.') || '(top level)'}: ${i.message}`],
  );
  throw new ExpectedInventoryError(`expected inventory ${path}:\n${problems.join('\n')}`);
}

/** data.* for every policy package: the config values policies read, and the desired inventory. */
export function policyData(config: Pick<ElavaConfig, 'actions' | 'policies'> & { accounts?: { id: string }[] }): {
  elava: { config: Record<string, unknown>; expected?: ExpectedInventory };
} {
  const expected = config.policies.expected ? readExpected(config.policies.expected) : undefined;
  return {
    elava: {
      config: {
        required_tags: config.actions.tagging.required_tags,
        production_tag: config.actions.protection.production_tag,
        // The accounts Elava watches: a trust policy naming any other is trust outside the estate.
        ...(config.accounts?.length ? { accounts: config.accounts.map((a) => a.id) } : {}),
        // Types whose tags AWS cannot hold (IAM groups): no tag rule applies to them.
        untaggable_types: RESOURCE_TYPES.filter((t) => !TYPE_CATALOG[t].taggable),
      },
      ...(expected ? { expected } : {}),
    },
  };
}
