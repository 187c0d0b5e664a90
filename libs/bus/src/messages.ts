import {
  ACTIONS,
  AUDIT_ENTRY_TYPES,
  CHANGE_TYPES,
  type Decision,
  type ObservationPage,
  type PolicyRequest,
  type PublishedChange,
  RESOURCE_TYPES,
  type RevisionDeltas,
  type ScanJob,
  SEVERITIES,
  STORE_ID,
} from '@elava/types';
import { z } from 'zod';

/** Schemas of the work messages, checked where they are received. */

const tagMap = z.record(z.string(), z.string());

/** A store's identity (libs/types store-keys.ts); every message derived from store state names it. */
export const storeIdSchema = z.string().regex(STORE_ID, 'store must be a store identity (12 hex digits)');

export const scopeSchema = z.object({
  account: z.string().regex(/^\d{12}$/, 'account must be 12 digits'),
  // An AWS region, or `global` for the types read once per account (IAM, CloudFront, Route 53).
  region: z.string().regex(/^([a-z]{2}(-[a-z]+)+-\d+|global)$/, 'not an AWS region name nor global'),
  type: z.enum(RESOURCE_TYPES),
  filter: z.object({ tags: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional() }).optional(),
});

/** Who made a change (libs/types actor.ts), as an event or CloudTrail said. */
export const actorSchema = z.object({
  principal_arn: z.string().min(1),
  principal_type: z.string().min(1),
  session_issuer: z.string().optional(),
  source_identity: z.string().optional(),
  user_agent: z.string().optional(),
  source_ip: z.string().optional(),
  event_name: z.string().min(1),
  event_time: z.string().datetime({ offset: true }),
  request_id: z.string().optional(),
  via: z.enum(['event', 'sweep']),
  elava: z.boolean().optional(),
});

const nativeIds = z.array(z.string().min(1)).max(1000);

export const scanJobSchema: z.ZodType<ScanJob> = z
  .object({
    scan_id: z
      .string()
      .regex(/^[^:]+$/, 'a scan id may not contain ":" (BullMQ keeps it for its own ids)')
      .optional(),
    scope: scopeSchema,
    requested_by: z.enum(['scheduler', 'cli', 'api', 'events']),
    tier: z.string().optional(),
    ids: nativeIds.min(1, 'a targeted job names at least one id').optional(),
    actors: z.record(z.string(), actorSchema).optional(),
    gone: nativeIds.optional(),
    recheck: z.number().int().nonnegative().optional(),
    events: z.array(z.string().min(1)).max(1000).optional(),
  })
  .superRefine((j, ctx) => {
    // A targeted read that a filter could narrow further would make "not found" mean "filtered out".
    if (j.ids && j.scope.filter)
      ctx.addIssue({ code: 'custom', path: ['scope', 'filter'], message: 'a targeted job (ids) takes no filter' });
    if ((j.gone || j.actors) && !j.ids)
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'gone and actors need ids (a targeted job)' });
    for (const [i, id] of (j.gone ?? []).entries())
      if (!j.ids?.includes(id))
        ctx.addIssue({ code: 'custom', path: ['gone', i], message: `${id} is not among the ids read` });
  });

export const encodedObservationSchema = z.object({
  id: z.string().min(1),
  json: z.string().min(2),
  tags: tagMap,
  hash: z.string().length(28, 'hash must be a base64 sha1'),
});

/** What encodedObservationSchema accepts, checked by hand: never looser than the schema. */
function isEncodedObservation(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id.length < 1) return false;
  if (typeof o.json !== 'string' || o.json.length < 2) return false;
  if (typeof o.hash !== 'string' || o.hash.length !== 28) return false;
  const tags = o.tags;
  if (
    tags === null ||
    typeof tags !== 'object' ||
    Array.isArray(tags) ||
    Object.getPrototypeOf(tags) !== Object.prototype
  )
    return false;
  for (const k in tags) if (typeof (tags as Record<string, unknown>)[k] !== 'string') return false;
  return true;
}

/**
 * A page's observations: each checked by a plain loop, and by the schema (for its named issues)
 * only when the loop finds it wanting. zod copying 500 observations and their tags was a tenth
 * of the recorder's time per page on a first scan.
 */
const encodedObservations = z.array(z.unknown()).transform((list, ctx) => {
  let out: unknown[] | null = null;
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (isEncodedObservation(item)) continue;
    const r = encodedObservationSchema.safeParse(item);
    if (!r.success) {
      for (const issue of r.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: [i, ...issue.path] });
      return z.NEVER;
    }
    out ??= list.slice();
    out[i] = r.data;
  }
  return (out ?? list) as z.infer<typeof encodedObservationSchema>[];
});

export const observationPageSchema: z.ZodType<ObservationPage> = z
  .object({
    scan_id: z.string().min(1),
    page_id: z.string().min(1),
    page: z.number().int().nonnegative(),
    attempt: z.number().int().positive(),
    scope: scopeSchema,
    observed_at: z.string().datetime(),
    resources: encodedObservations,
    final: z
      .discriminatedUnion('status', [
        z.object({
          status: z.literal('complete'),
          count: z.number().int().nonnegative(),
          pages: z.number().int().positive(),
          seen: z.array(z.string()),
          started_at: z.string().datetime().optional(),
        }),
        z.object({ status: z.literal('failed'), error: z.string(), code: z.string().optional() }),
      ])
      .optional(),
    partial: z.object({ ids: z.array(z.string().min(1)), gone: z.array(z.string().min(1)) }).optional(),
    actors: z.record(z.string(), actorSchema).optional(),
    documents: z.string().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    // A partial page says nothing about the rest of the scope, so it can never end a scan.
    if (p.partial && p.final)
      ctx.addIssue({ code: 'custom', path: ['final'], message: 'a partial page (a targeted re-read) has no final' });
    if (p.partial && p.scope.filter)
      ctx.addIssue({ code: 'custom', path: ['scope', 'filter'], message: 'a partial page takes no filter' });
  });

export const auditDraftSchema = z.object({
  type: z.enum(AUDIT_ENTRY_TYPES),
  resource_id: z.string(),
  revision: z.number().int().optional(),
  time: z.string().datetime().optional(),
  data: z.record(z.string(), z.unknown()),
  key: z.string().min(1).max(200).optional(),
});

/** The detector's hand-over to the policy service; the changes are the detector's own, so only the envelope is checked closely. */
const changesRequestSchema = z.object({
  kind: z.literal('changes').optional(),
  store: storeIdSchema,
  key: z.string().min(1),
  revision: z.number().int().nonnegative(),
  changes: z
    .array(
      z
        .object({
          id: z.string().min(1),
          type: z.enum(CHANGE_TYPES),
          resource_id: z.string().min(1),
          revision: z.number().int(),
          previous: z.record(z.string(), z.unknown()).nullable(),
          current: z.record(z.string(), z.unknown()).nullable(),
        })
        .passthrough(),
    )
    .min(1),
});

const scopeRequestSchema = z.object({
  kind: z.literal('scope'),
  store: storeIdSchema,
  key: z.string().min(1),
  revision: z.number().int().positive(),
  scope: scopeSchema,
});

/** Checked against the one shape its `kind` names, so a bad request's problems are named, not "invalid input". */
export const policyRequestSchema = z.unknown().transform((v, ctx) => {
  const kind = (v as { kind?: unknown } | null)?.kind;
  const r = (kind === 'scope' ? scopeRequestSchema : changesRequestSchema).safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ ...issue, message: issue.message } as never);
  return z.NEVER;
}) as unknown as z.ZodType<PolicyRequest>;

/** A decision as published on elava.decisions.*: checked by every subscriber before acting on it. */
export const decisionSchema = z.object({
  id: z.string().min(1),
  store: storeIdSchema,
  action: z.enum(ACTIONS),
  severity: z.enum(SEVERITIES),
  resource: z.object({
    id: z.string().min(1),
    type: z.enum(RESOURCE_TYPES),
    account: z.string().min(1),
    region: z.string().min(1),
    tags: tagMap,
  }),
  reason: z.string(),
  policy: z.object({ package: z.string(), rule: z.string() }).optional(),
  change: z.object({ id: z.string(), type: z.enum(CHANGE_TYPES) }).optional(),
  revision: z.number().int().nonnegative(),
  time: z.string(),
  metadata: z.record(z.string(), z.unknown()),
}) as unknown as z.ZodType<Decision>;

/** The recorder's hand-over to the detector; the deltas are the recorder's own, so only the envelope is checked closely. */
export const revisionDeltasSchema = z
  .object({
    store: storeIdSchema,
    revision: z.number().int().positive(),
    time: z.string(),
    scope: scopeSchema,
    scan_id: z.string(),
    deltas: z.array(
      z.object({ id: z.string(), kind: z.enum(['added', 'modified', 'reappeared', 'tombstoned']) }).passthrough(),
    ),
    baseline: z.boolean().optional(),
    actors: z.record(z.string(), actorSchema).optional(),
    documents: z.string().min(1).optional(),
    stashed: z.number().int().positive().optional(),
    page_documents: z.string().min(1).optional(),
  })
  .refine((rd) => rd.stashed === undefined || rd.documents !== undefined, {
    message: 'stashed deltas need the key of their stash (documents)',
    path: ['documents'],
  }) as unknown as z.ZodType<RevisionDeltas>;

/** A disappearance waiting out its grace period (the detector's own delayed job). */
export const heldDisappearanceSchema = z
  .object({ id: z.string(), type: z.literal('disappeared'), store: storeIdSchema, resource_id: z.string() })
  .passthrough() as unknown as z.ZodType<PublishedChange>;

/** The executor's own work: one decision to carry out, approved by someone when approval is required. */
export interface ExecutionJob {
  decision: Decision;
  approved_by?: string;
}

export const executionJobSchema = z.object({
  decision: decisionSchema,
  approved_by: z.string().min(1).optional(),
}) as unknown as z.ZodType<ExecutionJob>;
