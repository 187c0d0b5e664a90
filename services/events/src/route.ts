import { providerFor } from '@elava/aws';
import type { Actor, ResourceType } from '@elava/types';
import { actorOf } from './actor.js';
import {
  type AwsEvent,
  CLOUDTRAIL_API_CALL,
  EC2_STATE_CHANGE,
  MalformedEventError,
  operationName,
  parseCloudTrail,
  parseEnvelope,
} from './envelope.js';
import { ec2StateChange, ruleFor, type Touch } from './event-map.js';

/** Resources of one scope to re-read for one event. */
export interface Target {
  account: string;
  region: string;
  type: ResourceType;
  ids: string[];
  /** The ids the event deleted (a subset of `ids`). */
  gone: string[];
  /** Absent for AWS's own notifications, which name no caller. */
  actor?: Actor;
}

/** What one SQS message comes to. */
export type Routed =
  | { kind: 'targets'; event: AwsEvent; name: string; targets: Target[] }
  /** Nothing to re-read: a read-only call, or one AWS refused (errorCode). */
  | { kind: 'ignored'; event: AwsEvent; name: string; reason: 'read_only' | 'failed_call' }
  /** A call or notification Elava maps to none of the types it reads. */
  | { kind: 'unmapped'; event: AwsEvent; name: string }
  | { kind: 'foreign'; event: AwsEvent; name: string; account: string }
  | { kind: 'malformed'; reason: string };

export interface RouteSettings {
  /** The accounts Elava watches: `accounts[]`, and the queues' own. */
  accounts: ReadonlySet<string>;
  /** The executors' roles (`accounts[].executor_role_arn`): calls made under them are Elava's. */
  executorRoles: ReadonlySet<string>;
}

/** Where the message came from: the account and region of its queue, the fallbacks. */
export interface QueueOrigin {
  account: string;
  region: string;
}

/**
 * An SQS message body → the resources to re-read, per scope, with who made the call. Pure: the
 * poller decides what to do with each outcome (enqueue, count, drop, dead-letter).
 */
export function route(body: string, origin: QueueOrigin, s: RouteSettings): Routed {
  let event: AwsEvent;
  try {
    event = parseEnvelope(body);
    return routeEvent(event, origin, s);
  } catch (err) {
    if (err instanceof MalformedEventError) return { kind: 'malformed', reason: err.message };
    throw err;
  }
}

function routeEvent(event: AwsEvent, origin: QueueOrigin, s: RouteSettings): Routed {
  const eventTime = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time).toISOString() : now();
  if (event.detailType === EC2_STATE_CHANGE) {
    const name = EC2_STATE_CHANGE;
    const account = event.account ?? origin.account;
    if (!s.accounts.has(account)) return { kind: 'foreign', event, name, account };
    const touches = ec2StateChange(event.detail);
    if (!touches) throw new MalformedEventError(`${name} without an instance-id`);
    return { kind: 'targets', event, name, targets: targets(touches, account, event.region ?? origin.region) };
  }
  if (event.detailType !== CLOUDTRAIL_API_CALL) return { kind: 'unmapped', event, name: event.detailType };

  const ct = parseCloudTrail(event.detail);
  const name = operationName(ct.eventName);
  const account = event.account ?? ct.recipientAccountId ?? origin.account;
  if (!/^\d{12}$/.test(account)) throw new MalformedEventError(`account ${JSON.stringify(account)} is not 12 digits`);
  if (ct.readOnly === true) return { kind: 'ignored', event, name, reason: 'read_only' };
  if (ct.errorCode) return { kind: 'ignored', event, name, reason: 'failed_call' };
  if (!s.accounts.has(account)) return { kind: 'foreign', event, name, account };
  const rule = ruleFor(ct.eventSource, name);
  if (!rule) return { kind: 'unmapped', event, name };
  const touches = rule(ct);
  if (touches === null)
    throw new MalformedEventError(`${ct.eventSource} ${name} names no resource where CloudTrail always does`);
  if (touches.length === 0) return { kind: 'unmapped', event, name };
  const region = ct.awsRegion ?? event.region ?? origin.region;
  return {
    kind: 'targets',
    event,
    name,
    targets: targets(touches, account, region, actorOf(ct, eventTime, s.executorRoles)),
  };
}

const now = () => new Date().toISOString();

/** Touches grouped by scope: global types (IAM) under the region `global`. */
function targets(touches: Touch[], account: string, region: string, actor?: Actor): Target[] {
  const byScope = new Map<string, Target>();
  for (const t of touches) {
    const where = providerFor(t.type).global ? 'global' : region;
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
      throw new MalformedEventError(`region ${JSON.stringify(region)} is not an AWS region`);
    const key = `${t.type}|${where}`;
    const target = byScope.get(key) ?? { account, region: where, type: t.type, ids: [], gone: [] };
    for (const id of t.ids) if (!target.ids.includes(id)) target.ids.push(id);
    if (t.gone) for (const id of t.ids) if (!target.gone.includes(id)) target.gone.push(id);
    // An id one touch deletes and another re-creates (UpdateUser renames) is not gone.
    if (!t.gone) target.gone = target.gone.filter((id) => !t.ids.includes(id));
    byScope.set(key, { ...target, ...(actor ? { actor } : {}) });
  }
  return [...byScope.values()];
}
