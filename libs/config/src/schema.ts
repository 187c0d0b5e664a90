import { ACTIONS, CHANGE_TYPES, type ChangeType, RESOURCE_TYPES, SEVERITIES } from '@elava/types';
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

/** The services of the known types: the part of each type name before the dot. */
const SERVICES = [...new Set(RESOURCE_TYPES.map((t) => t.split('.')[0] as string))].sort();
/** A type (`ec2.instance`), a service (`rds`, the same as `rds.*`: every type of it), or `*` (every type). */
const typeSelector = z.enum([...RESOURCE_TYPES, ...SERVICES, ...SERVICES.map((s) => `${s}.*`), '*'], {
  message: `expected a resource type (${RESOURCE_TYPES.join(', ')}), a service (${SERVICES.join(', ')}, or ec2.* and so on) or "*"`,
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

/** An IANA time zone the runtime knows: a typo must not wait for the scheduler to throw. */
const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as UTC or Europe/Berlin' },
);

const adaptiveHours = z.union([
  z.boolean().transform((enabled) => ({ enabled, work_hours: '08:00-19:00', timezone: 'UTC', off_hours_factor: 4 })),
  z.strictObject({
    enabled: z.boolean().default(true),
    work_hours: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected HH:MM-HH:MM' })
      .default('08:00-19:00'),
    timezone: timeZone.default('UTC'),
    off_hours_factor: z.number().min(1).max(24).default(4),
  }),
]);

const severityOrNone = z.enum([...SEVERITIES, 'none']);

/**
 * `change_detection.track` takes the design's categories as well as the change types; the
 * program sees change types only.
 */
export const TRACK_CATEGORIES = {
  resource_lifecycle: ['appeared', 'disappeared'],
  tag_changes: ['tag_drift'],
  status_changes: ['status_changed'],
  cost_changes: ['cost_increase'],
  configuration_drift: ['modified'],
} as const satisfies Record<string, readonly ChangeType[]>;
type TrackCategory = keyof typeof TRACK_CATEGORIES;
const CATEGORY_NAMES = Object.keys(TRACK_CATEGORIES) as TrackCategory[];

const track = z
  .array(z.enum([...CHANGE_TYPES, ...CATEGORY_NAMES]))
  .default([...CHANGE_TYPES])
  .transform((names): ChangeType[] => {
    const wanted = new Set<ChangeType>(
      names.flatMap((n): readonly ChangeType[] =>
        n in TRACK_CATEGORIES ? TRACK_CATEGORIES[n as TrackCategory] : [n as ChangeType],
      ),
    );
    return CHANGE_TYPES.filter((t) => wanted.has(t));
  });

/**
 * The severity each kind of change is labelled with (`none`: no decision for it). The finer keys
 * fall back on the general one: `disappeared_managed` on `disappeared`, `new_untagged` on
 * `appeared`; `disappeared_blessed` is critical unless set. `policy_violation` is how policy
 * findings are rated: `severity_based` (deny → critical, warn → warning, info → info), one
 * severity for all, or `none`.
 */
const alertOn = z
  .strictObject({
    appeared: severityOrNone.default('info'),
    disappeared: severityOrNone.default('warning'),
    modified: severityOrNone.default('info'),
    tag_drift: severityOrNone.default('warning'),
    status_changed: severityOrNone.default('info'),
    cost_increase: severityOrNone.default('warning'),
    /** A resource tagged `elava:blessed=true` disappeared. */
    disappeared_blessed: severityOrNone.default('critical'),
    /** A resource tagged `elava:managed=true` (and not blessed) disappeared. */
    disappeared_managed: severityOrNone.optional(),
    /** A resource appeared with no tags at all (AWS's own `aws:` tags aside). */
    new_untagged: severityOrNone.optional(),
    policy_violation: z.enum(['severity_based', ...SEVERITIES, 'none']).default('severity_based'),
    /** When set, tag drift on other keys is recorded but not alerted on. */
    tag_keys: z.array(z.string()).optional(),
  })
  .transform((a) => ({
    ...a,
    disappeared_managed: a.disappeared_managed ?? a.disappeared,
    new_untagged: a.new_untagged ?? a.appeared,
  }));

/** Refuses a key that the design names but Elava does not do, saying why. */
const unsupported = (why: string) =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (v !== undefined) ctx.addIssue({ code: 'custom', message: `not supported: ${why}` });
    })
    .transform(() => undefined)
    .optional();

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

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

/**
 * The webhook carries a secret: https, except to loopback (a local relay or a test). Enabled
 * without a webhook is refused here rather than failing at the first decision.
 */
const slack = z
  .strictObject({
    enabled: z.boolean().default(false),
    webhook: optionalUrl('expected an https:// webhook URL'),
    channels: z
      .strictObject({ critical: z.string().optional(), warning: z.string().optional(), info: z.string().optional() })
      .prefault({}),
    digest_threshold: z.number().int().min(1).default(5),
  })
  .superRefine((s, ctx) => {
    if (s.webhook !== undefined) {
      const url = URL.parse(s.webhook);
      if (!url) return;
      const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
      if (!secure)
        ctx.addIssue({
          code: 'custom',
          path: ['webhook'],
          message: `expected an https:// webhook URL (http:// only to loopback), found ${url.protocol}//${url.host}`,
        });
    } else if (s.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhook'],
        message: 'slack is enabled but the webhook is empty: set it (or its ${VAR}), or set enabled: false',
      });
    }
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
        audit_retention: unsupported(
          'the audit trail is hash-chained and kept whole (elava compact drops old resource versions, never audit entries); remove the key',
        ),
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
        /** Types no tier scans unfiltered are scanned every `change_detection.check_interval`. */
        tiers: z
          .record(z.string().regex(/^[a-z0-9_-]+$/i, { message: 'tier names are letters, digits, _ or -' }), tier)
          .prefault({}),
      })
      .prefault({}),
    change_detection: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** The scan interval of every type no tier scans unfiltered (scanning.tiers). */
        check_interval: duration.prefault('1h'),
        /** How far back a policy input's `history` reaches (0: no history is asked for). */
        lookback_window: duration.prefault('7d'),
        track,
        alert_on: alertOn.prefault({}),
      })
      .prefault({}),
    policies: z
      .strictObject({
        path: z.string().default('policies'),
        enforcement_mode: z.enum(['notify', 'enforce', 'dry_run']).default('notify'),
        auto_remediate: z
          .strictObject({
            tag_violations: z.boolean().default(false),
            /** A blessed resource under a change gets a `protect` decision. */
            blessed_protection: z.boolean().optional(),
            /** The older name of blessed_protection, kept working. */
            protect_blessed: z.boolean().optional(),
          })
          .superRefine((a, ctx) => {
            if (
              a.blessed_protection !== undefined &&
              a.protect_blessed !== undefined &&
              a.blessed_protection !== a.protect_blessed
            )
              ctx.addIssue({
                code: 'custom',
                path: ['protect_blessed'],
                message: 'is the older name of blessed_protection and says the opposite: keep only blessed_protection',
              });
          })
          .transform(({ protect_blessed, ...a }) => ({
            ...a,
            blessed_protection: a.blessed_protection ?? protect_blessed ?? false,
          }))
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
            /**
             * Only true: a blessed resource is never written except to protect it (the contract's
             * meaning of elava:blessed=true).
             */
            respect_blessed: z
              .literal(true, {
                message:
                  'expected true (false is not supported: a resource tagged elava:blessed=true is never written except to protect it; remove the tag to let auto_tag or enforce_policy act on it)',
              })
              .default(true),
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
/** `change_detection.alert_on` as the program sees it: every key filled in. */
export type AlertOn = ElavaConfig['change_detection']['alert_on'];
