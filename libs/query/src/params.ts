import { InvalidSelectorError, parseSelector } from '@elava/store';
import { ACTIONS, AUDIT_ENTRY_TYPES, CHANGE_TYPES, RESOURCE_TYPES, SEVERITIES } from '@elava/types';
import { z } from 'zod';

/**
 * The parameters of each query as they arrive from a URL or a command line (strings), checked
 * and typed. The API checks them to answer 400 before asking anyone; the recorder checks them
 * again because a NATS message is an edge too.
 */

const when = z.string().superRefine((v, ctx) => {
  try {
    parseSelector(v);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message:
        err instanceof InvalidSelectorError
          ? err.message
          : 'expected a revision number, an RFC 3339 time, an age such as 24h or 7d, or now',
    });
  }
});
const oneOf = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { message: `unknown ${what}; expected one of ${values.join(', ')}` });
const limit = (max: number, dflt: number) =>
  z.coerce
    .number({ message: 'expected a number' })
    .int({ message: 'expected a whole number' })
    .min(1, { message: 'expected at least 1' })
    .max(max, { message: `expected at most ${max}` })
    .default(dflt);
const cursor = z.string().max(512).optional();
const resourceId = z.string().regex(/^aws:\d{12}:[a-z0-9-]+:[a-z0-9]+\.[a-z_]+:.+$/, {
  message: 'expected a canonical id such as aws:123456789012:us-east-1:ec2.instance:i-0abc',
});
const tag = z.string().regex(/^[^=]+(=.*)?$/, { message: 'expected key=value or key' });

export const resourcesParams = z.strictObject({
  at: when.optional(),
  type: oneOf(RESOURCE_TYPES, 'resource type').optional(),
  region: z
    .string()
    .regex(/^[a-z0-9-]+$/, { message: 'expected a region such as us-east-1' })
    .optional(),
  account: z
    .string()
    .regex(/^\d{12}$/, { message: 'expected a 12-digit account id' })
    .optional(),
  tag: tag.optional(),
  limit: limit(1000, 100),
  cursor,
});

export const resourceParams = z.strictObject({ id: resourceId, at: when.optional() });

export const historyParams = z.strictObject({
  id: resourceId,
  limit: limit(1000, 100),
  cursor,
});

/** `type` takes a change type (tag_drift) or a resource type (ec2.instance): the two never overlap. */
export const changesParams = z.strictObject({
  since: when.default('24h'),
  type: z
    .union([oneOf(CHANGE_TYPES, 'change type'), oneOf(RESOURCE_TYPES, 'type')], {
      message: `unknown type; expected a change type (${CHANGE_TYPES.join(', ')}) or a resource type (${RESOURCE_TYPES.join(', ')})`,
    })
    .optional(),
  /** A change type beside a resource type in `type` (the web UI's feed filters both). */
  kind: oneOf(CHANGE_TYPES, 'change type').optional(),
  account: resourcesParams.shape.account,
  region: resourcesParams.shape.region,
  /** On the resource's version the change made (the version before it, for a disappearance). */
  tag: tag.optional(),
  resource: resourceId.optional(),
  /** Who made the change (issue 15): a principal ARN, a user, session or role name, a source identity. */
  by: z.string().min(1).max(2048).optional(),
  limit: limit(1000, 100),
  cursor,
});

/** `stats`: the overview's figures; `hours` is the window of the hourly chart and the findings. */
export const statsParams = z.strictObject({
  hours: z.coerce
    .number({ message: 'expected a number' })
    .int({ message: 'expected a whole number of hours' })
    .min(1, { message: 'expected at least 1' })
    .max(168, { message: 'expected at most 168 (7 days)' })
    .default(24),
});

/** `compare`: one resource at two instants and the diff between them. */
export const compareParams = z.strictObject({
  id: resourceId,
  from: z.string({ error: (i) => (i.input === undefined ? 'required: the first instant' : undefined) }).pipe(when),
  to: z.string({ error: (i) => (i.input === undefined ? 'required: the second instant' : undefined) }).pipe(when),
});

/**
 * `diff`: the estate at two instants compared. `tag` may be given several times (all must match,
 * on the resource at either end). A cursor pins both revisions, so `from` and `to` are read once.
 */
export const diffParams = z.strictObject({
  from: z.string({ error: (i) => (i.input === undefined ? 'required: the first instant' : undefined) }).pipe(when),
  to: z.string({ error: (i) => (i.input === undefined ? 'required: the second instant' : undefined) }).pipe(when),
  type: resourcesParams.shape.type,
  region: resourcesParams.shape.region,
  account: resourcesParams.shape.account,
  tag: z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(tag).max(20, { message: 'expected at most 20 tags' }))
    .optional(),
  limit: limit(1000, 100),
  cursor,
});

export const decisionsParams = z.strictObject({
  since: when.default('24h'),
  action: oneOf(ACTIONS, 'action').optional(),
  severity: oneOf(SEVERITIES, 'severity').optional(),
  resource: resourceId.optional(),
  limit: limit(1000, 100),
  cursor,
});

export const auditParams = z.strictObject({
  resource: resourceId.optional(),
  since: when.optional(),
  /** One entry type or several, comma-separated. */
  type: z
    .string()
    .transform((s) => s.split(',').map((t) => t.trim()))
    .pipe(z.array(oneOf(AUDIT_ENTRY_TYPES, 'audit entry type')))
    .optional(),
  limit: limit(1000, 100),
  cursor,
});

export const emptyParams = z.strictObject({});

/**
 * `deltas`: what one revision changed, with both documents of each change, as the recorder
 * handed it to the detector. The detector asks when that hand-over is gone from Redis.
 */
export const deltasParams = z.strictObject({
  revision: z.coerce
    .number({ message: 'expected a revision number' })
    .int({ message: 'expected a whole number' })
    .min(1, { message: 'expected at least 1' }),
  cursor,
});

/** `why`: the chain behind one decision. */
export const whyParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { message: 'expected a decision id' }),
});

export type ResourcesParams = z.infer<typeof resourcesParams>;
export type ResourceParams = z.infer<typeof resourceParams>;
export type HistoryParams = z.infer<typeof historyParams>;
export type ChangesParams = z.infer<typeof changesParams>;
export type StatsParams = z.infer<typeof statsParams>;
export type CompareParams = z.infer<typeof compareParams>;
export type DiffParams = z.infer<typeof diffParams>;
export type DecisionsParams = z.infer<typeof decisionsParams>;
export type AuditParams = z.infer<typeof auditParams>;
export type WhyParams = z.infer<typeof whyParams>;
export type DeltasParams = z.infer<typeof deltasParams>;

/** Every query by name, with the schema of its parameters. */
export const QUERIES = {
  resources: resourcesParams,
  resource: resourceParams,
  history: historyParams,
  changes: changesParams,
  stats: statsParams,
  compare: compareParams,
  diff: diffParams,
  decisions: decisionsParams,
  audit: auditParams,
  verify: emptyParams,
  status: emptyParams,
  why: whyParams,
  deltas: deltasParams,
} as const;
export type QueryName = keyof typeof QUERIES;

/** Parameters a URL may give more than once (each other one only once). */
export const REPEATABLE: Partial<Record<QueryName, readonly string[]>> = { diff: ['tag'] };

/** A query the asker got wrong (400) or asked of something absent (404); its message says which. */
export class QueryError extends Error {
  constructor(
    readonly status: 400 | 404 | 410 | 500 | 503 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export function parseParams<Q extends QueryName>(name: Q, raw: unknown): z.infer<(typeof QUERIES)[Q]> {
  const r = QUERIES[name].safeParse(raw ?? {});
  if (r.success) return r.data as z.infer<(typeof QUERIES)[Q]>;
  const problems = r.error.issues.map((i) =>
    i.code === 'unrecognized_keys'
      ? `unknown parameter ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`
      : `${i.path.join('.') || 'parameters'}: ${i.message}`,
  );
  throw new QueryError(400, problems.join('; '));
}
