import { ACTIONS, CHANGE_TYPES, RESOURCE_TYPES, SEVERITIES } from '@elava/types';
import { z } from 'zod';
import { describeValue as describe } from './describe.js';
import { parseDuration } from './duration.js';

const DURATION_HINT = 'a duration like 30s, 15m, 1h or 7d';

/** A duration in the file, milliseconds in the program. */
const duration = z.unknown().transform((v, ctx): number => {
  if (typeof v === 'string') {
    const ms = parseDuration(v);
    if (ms !== null) return ms;
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}, found "${v}"` });
  } else if (typeof v === 'number') {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}, found the bare number ${v} (add a unit)` });
  } else {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}, found ${describe(v)}` });
  }
  return z.NEVER;
});

/** `${VAR:-}` leaves an empty string: that means "not set", not "set to nothing". */
const optionalUrl = (message: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().url({ message }).optional());

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const region = z.string().regex(REGION, { message: 'expected an AWS region name such as us-east-1' });

/** YAML reads 012345678901 as a number and drops the zero, so account ids must be quoted. */
const accountId = z.unknown().transform((v, ctx): string => {
  if (typeof v === 'string' && /^\d{12}$/.test(v)) return v;
  ctx.addIssue({
    code: 'custom',
    message:
      typeof v === 'number'
        ? `expected a quoted 12-digit account id, found the number ${v} (write it in quotes)`
        : `expected a 12-digit account id, found ${describe(v)}`,
  });
  return z.NEVER;
});

const SERVICES = ['ec2', 'rds', 's3'] as const;
const typeSelector = z.enum([...RESOURCE_TYPES, ...SERVICES], {
  message: `expected a resource type (${RESOURCE_TYPES.join(', ')}) or a service (${SERVICES.join(', ')})`,
});

const tagMatch = z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)]));

const pattern = z.strictObject({
  type: z.union([typeSelector, z.array(typeSelector).min(1)]).optional(),
  tags: tagMatch.optional(),
  status: z.string().optional(),
  description: z.string().optional(),
});

const tier = z.strictObject({
  description: z.string().optional(),
  scan_interval: duration,
  patterns: z.array(pattern).default([]),
});

const adaptiveHours = z.union([
  z.boolean().transform((enabled) => ({ enabled, work_hours: '08:00-19:00', timezone: 'UTC', off_hours_factor: 4 })),
  z.strictObject({
    enabled: z.boolean().default(true),
    work_hours: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected HH:MM-HH:MM' })
      .default('08:00-19:00'),
    timezone: z.string().default('UTC'),
    off_hours_factor: z.number().min(1).max(24).default(4),
  }),
]);

const severityOrNone = z.enum([...SEVERITIES, 'none']);

const account = z.strictObject({
  id: accountId,
  name: z.string().optional(),
  role_arn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'expected an IAM role ARN' })
    .optional(),
  external_id: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** The executor's own role (docs/iam-executor-policy.json); the scanner's role never writes. */
  executor_role_arn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'expected an IAM role ARN' })
    .optional(),
  regions: z.array(region).min(1).optional(),
});

const slack = z.strictObject({
  enabled: z.boolean().default(false),
  webhook: optionalUrl('expected an https:// webhook URL'),
  channels: z
    .strictObject({ critical: z.string().optional(), warning: z.string().optional(), info: z.string().optional() })
    .prefault({}),
  digest_threshold: z.number().int().min(1).default(5),
});

export const configSchema = z
  .strictObject({
    version: z.literal('2.0', { message: 'expected version "2.0" (quote it: version: "2.0")' }),
    provider: z.literal('aws', { message: 'expected "aws", the only provider so far' }).default('aws'),
    region: region.optional(),
    regions: z.array(region).min(1).optional(),
    accounts: z.array(account).default([]),
    aws: z.strictObject({ endpoint: optionalUrl('expected a URL such as http://127.0.0.1:5000') }).prefault({}),
    storage: z
      .strictObject({
        dir: z.string().min(1).default('.elava/data'),
        segment_bytes: z
          .number()
          .int()
          .min(4096)
          .default(64 * 1024 * 1024),
        checkpoint_interval: duration.prefault('5m'),
        audit_retention: duration.optional(),
      })
      .prefault({}),
    redis: z
      .strictObject({
        url: z.string().default('redis://127.0.0.1:6379'),
        /**
         * Starts every Redis key and queue of this cluster, so two clusters can share one Redis.
         * BullMQ keeps ':' for its own key structure, so the prefix may not contain one.
         */
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" (at most 64; no ":")')
          .default('elava'),
      })
      .prefault({}),
    nats: z.strictObject({ url: z.string().default('nats://127.0.0.1:4222') }).prefault({}),
    api: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(7070),
        /** How long the API waits for the recorder's answer. */
        timeout: duration.prefault('10s'),
      })
      .prefault({}),
    scanning: z
      .strictObject({
        enabled: z.boolean().default(true),
        adaptive_hours: adaptiveHours.prefault(false),
        tiers: z
          .record(z.string().regex(/^[a-z0-9_-]+$/i, { message: 'tier names are letters, digits, _ or -' }), tier)
          .prefault({ default: { scan_interval: '1h', patterns: [] } }),
      })
      .prefault({}),
    change_detection: z
      .strictObject({
        enabled: z.boolean().default(true),
        check_interval: duration.prefault('5m'),
        lookback_window: duration.prefault('7d'),
        track: z.array(z.enum(CHANGE_TYPES)).default([...CHANGE_TYPES]),
        alert_on: z
          .strictObject({
            appeared: severityOrNone.default('info'),
            disappeared: severityOrNone.default('warning'),
            modified: severityOrNone.default('info'),
            tag_drift: severityOrNone.default('warning'),
            status_changed: severityOrNone.default('info'),
            cost_increase: severityOrNone.default('warning'),
            /** When set, tag drift on other keys is recorded but not alerted on. */
            tag_keys: z.array(z.string()).optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    policies: z
      .strictObject({
        path: z.string().default('policies'),
        enforcement_mode: z.enum(['notify', 'enforce', 'dry_run']).default('notify'),
        auto_remediate: z
          .strictObject({
            tag_violations: z.boolean().default(false),
            protect_blessed: z.boolean().default(false),
          })
          .prefault({}),
        severity_actions: z
          .strictObject({
            critical: z.enum(ACTIONS).default('alert'),
            warning: z.enum(ACTIONS).default('notify'),
            info: z.enum(ACTIONS).default('audit'),
          })
          .prefault({}),
        renotify_interval: duration.prefault('24h'),
        expected: z.string().optional(),
      })
      .prefault({}),
    actions: z
      .strictObject({
        notifications: z.strictObject({ slack: slack.prefault({}) }).prefault({}),
        protection: z
          .strictObject({
            auto_protect_prod: z.boolean().default(false),
            production_tag: z.strictObject({ key: z.string(), values: z.array(z.string()).min(1) }).prefault({
              key: 'environment',
              values: ['production', 'prod'],
            }),
          })
          .prefault({}),
        tagging: z
          .strictObject({
            auto_tag_untagged: z.boolean().default(false),
            required_tags: z.array(z.string().min(1)).default(['elava:owner', 'environment']),
            default_tags: z.record(z.string(), z.string()).default({}),
          })
          .prefault({}),
        safety: z
          .strictObject({
            max_writes_per_interval: z.number().int().min(0).default(20),
            interval: duration.prefault('1h'),
            population_guard: z.number().gt(0).max(1).default(0.2),
            /** Below this many eligible at once the population guard does not hold (small estates). */
            population_guard_min: z.number().int().min(1).default(10),
            /** How long the executor gathers a scope's eligible decisions before the guard counts them. */
            guard_window: duration.prefault('10s'),
            /** The lease an executor holds on a resource while acting on it; renewed while it works. */
            claim_ttl: duration.prefault('30s'),
          })
          .prefault({}),
      })
      .prefault({}),
    behavior: z
      .strictObject({
        grace_period: duration.prefault('24h'),
        auto_delete: z.literal(false, { message: 'Elava never deletes: auto_delete must be false' }).default(false),
        require_approval: z.boolean().default(false),
        approval_timeout: duration.prefault('24h'),
      })
      .prefault({}),
  })
  .transform((c) => {
    const { region: one, regions, ...rest } = c;
    const all = [...new Set([...(regions ?? []), ...(one ? [one] : [])])];
    return { ...rest, regions: all };
  });

export type ElavaConfig = z.output<typeof configSchema>;
export type ElavaConfigInput = z.input<typeof configSchema>;
