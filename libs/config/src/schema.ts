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

// Issue 18: the account list from AWS Organizations. `accounts: organization` (or the
// `organization` block) turns discovery on; `accounts: [...]` keeps listing them by hand.
const IAM_ROLE_NAME = /^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const roleName = z.string().regex(IAM_ROLE_NAME, {
  message: 'expected an IAM role name (with an optional path, such as security/elava-reader), not an ARN',
});
const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const ouOrRoot = z.string().refine((v) => OU_ID.test(v) || ROOT_ID.test(v), {
  message: 'expected an organizational unit id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)',
});
/** An account (a quoted 12-digit id) or an organizational unit, every account under it. */
const accountOrOu = z.unknown().transform((v, ctx): string => {
  if (typeof v === 'string' && (/^\d{12}$/.test(v) || OU_ID.test(v))) return v;
  ctx.addIssue({
    code: 'custom',
    message:
      typeof v === 'number'
        ? `expected a quoted 12-digit account id or an ou-… id, found the number ${v} (write it in quotes)`
        : `expected a quoted 12-digit account id or an organizational unit id (ou-xxxx-xxxxxxxx), found ${describe(v)}`,
  });
  return z.NEVER;
});
const organization = z.strictObject({
  /**
   * The role assumed in each member account. The default is the role Organizations creates in the
   * accounts it makes (an administrator's): a read-only role with docs/iam-policy.json is better.
   */
  role_name: roleName.default('OrganizationAccountAccessRole'),
  external_id: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** The executor's role in each member account; without it the executor writes to none of them. */
  executor_role_name: roleName.optional(),
  /** Accounts (ids) or organizational units (ou-…, at any depth) left out. */
  exclude: z.array(accountOrOu).default([]),
  /** Only the accounts under these organizational units (at any depth); empty: the whole organization. */
  include_ous: z.array(ouOrRoot).default([]),
  /** How often the account list is read again: accounts that join or leave are picked up then. */
  refresh_interval: duration.prefault('15m'),
});
/**
 * `accounts`: the list as before, or the word `organization`. Not a zod union: a union's error
 * loses the path inside the list (`accounts[0].id`).
 */
const accountList = z.array(account);
const accounts = z.unknown().transform((v, ctx): 'organization' | z.output<typeof accountList> => {
  if (v === 'organization') return v;
  if (!Array.isArray(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a list of accounts or the word organization, found ${describe(v)}`,
    });
    return z.NEVER;
  }
  const r = accountList.safeParse(v, { reportInput: true });
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

/** Both forms of the account settings, as the program sees them: a list, or discovery. */
function watchedAccounts(
  list: z.output<typeof accounts>,
  org: z.output<typeof organization> | undefined,
  ctx: z.RefinementCtx,
): { accounts: z.output<typeof account>[]; organization?: z.output<typeof organization> } {
  if (list === 'organization') return { accounts: [], organization: org ?? organization.parse({}) };
  if (org && list.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['organization'],
      message: 'accounts lists accounts by hand and organization discovers them: keep one (accounts: organization)',
    });
  return org ? { accounts: [], organization: org } : { accounts: list };
}

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
    accounts: accounts.default([]),
    organization: organization.optional(),
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
        /**
         * How much history the recorder keeps: older versions are compacted away on its own, each
         * resource keeping the version in force at the cutoff. 0s (the default) keeps everything.
         */
        retention: duration.prefault('0s'),
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
    nats: z
      .strictObject({
        url: z.string().default('nats://127.0.0.1:4222'),
        /**
         * How long the streams (changes, decisions, the trail's WAL) keep a message; 0s keeps all.
         * The store keeps the whole history: this bounds only the server's disk and memory.
         */
        retention: duration.prefault('7d'),
      })
      .prefault({}),
    api: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(7070),
        /** How long the API waits for the recorder's answer. */
        timeout: duration.prefault('10s'),
        /**
         * Bearer token the API and web UI require (`${VAR}` expands from the environment). Required
         * when `host` is not a loopback address; empty means none.
         */
        auth_token: z
          .string()
          .refine((t) => t === '' || t.length >= 16, { message: 'expected at least 16 characters (or none)' })
          .default(''),
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
        // Issue 18: packages evaluated and recorded, their decisions only on elava.shadow.decisions.*
        // (never notified or executed). `elava.<name>` or `<name>`; one the library lacks is warned
        // about when the library loads (it may be listed before it is built, so it never goes live).
        shadow: z
          .array(
            z.string().regex(/^(elava\.)?[a-z0-9_]+$/, {
              message: 'expected a policy package name, elava.<name> or <name> (lower case letters, digits, _)',
            }),
          )
          .default([])
          .transform((names) => [...new Set(names.map((n) => (n.startsWith('elava.') ? n : `elava.${n}`)))]),
        // Issue 19: evaluations remembered per store and library (in Redis), so a sweep of an
        // unchanged scope is a lookup per resource; rules that read `now` see the start of its bucket.
        memo: z
          .strictObject({
            enabled: z.boolean().default(true),
            time_bucket: duration.refine((ms) => ms > 0, { message: 'expected a duration above zero' }).prefault('1h'),
          })
          .prefault({}),
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
    // Issue 15: AWS events from SQS re-read what they name within seconds, with who made the change.
    events: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Queues fed by an EventBridge rule (docs/events/): one per account/region, or one central one. */
        queues: z
          .array(
            z.strictObject({
              url: z
                .string()
                .url({ message: 'expected the queue URL, https://sqs.<region>.amazonaws.com/<account>/<name>' }),
              /** The account the queue belongs to (and whose events it carries, unless central). */
              account: accountId,
              region,
              /** Where a message that cannot be read goes; absent: left for the queue's own redrive policy. */
              dlq_url: z.string().url({ message: 'expected the dead-letter queue URL' }).optional(),
            }),
          )
          .default([]),
        /** SQS long polling: seconds one ReceiveMessage waits (at most 20), messages per call (at most 10). */
        wait_seconds: z.number().int().min(0).max(20).default(20),
        batch_size: z.number().int().min(1).max(10).default(10),
        /** Long-polling loops per queue in each events process. */
        pollers: z.number().int().min(1).max(32).default(2),
        /** How long a received message stays hidden from other readers while it is handled. */
        visibility_timeout: duration.prefault('60s'),
      })
      .superRefine((e, ctx) => {
        if (e.enabled && e.queues.length === 0)
          ctx.addIssue({ code: 'custom', path: ['queues'], message: 'events are enabled but no queue is named' });
      })
      .prefault({}),
    attribution: z
      .strictObject({
        /** A change seen only by a sweep is attributed through CloudTrail LookupEvents (2 calls/s per account-region). */
        cloudtrail_lookup: z.boolean().default(false),
      })
      .prefault({}),
  })
  .transform((c, ctx) => {
    const { region: one, regions, accounts: list, organization: org, ...rest } = c;
    const all = [...new Set([...(regions ?? []), ...(one ? [one] : [])])];
    return { ...rest, regions: all, ...watchedAccounts(list, org, ctx) };
  });

export type ElavaConfig = z.output<typeof configSchema>;
export type ElavaConfigInput = z.input<typeof configSchema>;
/** `change_detection.alert_on` as the program sees it: every key filled in. */
export type AlertOn = ElavaConfig['change_detection']['alert_on'];
