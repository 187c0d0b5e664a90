import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { Actor, ResourceType } from '@elava/types';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ClientSet } from './clients.js';
import { actorFromCloudTrail, type CloudTrailCall } from './cloudtrail-actor.js';
import { providerFor } from './registry.js';

/** The time between two versions of a resource: the change was made in it. */
export interface ActorWindow {
  start: Date;
  end: Date;
}

export interface LookupOptions {
  /** Credentials per account: the readers' (LookupEvents is a read; the IAM policy grants it). */
  access(account: string): Promise<{ credentials?: AwsCredentialIdentityProvider }>;
  endpoint?: string;
  /**
   * Awaited before every call and every retry, with `<account>:<region>`: CloudTrail allows 2
   * LookupEvents a second per account and region, a budget all instances share (a Redis bucket).
   */
  take(key: string): Promise<void>;
  executorRoles?: ReadonlySet<string>;
  /** Pages of 50 events read at most per resource (the newest first). */
  maxPages?: number;
  maxAttempts?: number;
}

/** CloudTrail records IAM and other global services' calls in the partition's home region. */
const HOME = 'us-east-1';

/**
 * Who made a change a sweep saw: CloudTrail LookupEvents for the resource's name in the window
 * since its previous version, the newest write of the resource's own service that succeeded.
 * Undefined when CloudTrail names none (the call is older than its 90 days, or not a management
 * event). Its clients may send LookupEvents and reads only.
 */
export class CloudTrailLookup {
  private readonly clients = new Map<string, Promise<ClientSet>>();

  constructor(private readonly o: LookupOptions) {}

  private clientFor(account: string, region: string): Promise<ClientSet> {
    const key = `${account}:${region}`;
    let c = this.clients.get(key);
    if (!c) {
      c = this.o.access(account).then(
        ({ credentials }) =>
          new ClientSet({
            region,
            endpoint: this.o.endpoint,
            credentials,
            maxAttempts: this.o.maxAttempts ?? 6,
            writes: new Set(['LookupEvents']),
            beforeCall: () => this.o.take(key),
          }),
      );
      c.catch(() => this.clients.delete(key));
      this.clients.set(key, c);
    }
    return c;
  }

  async actorFor(
    r: { account: string; region: string; type: ResourceType; nativeId: string },
    w: ActorWindow,
  ): Promise<Actor | undefined> {
    const region = r.region === 'global' ? HOME : r.region;
    const client = (await this.clientFor(r.account, region)).client('cloudtrail');
    const source = `${providerFor(r.type).service}.amazonaws.com`;
    let token: string | undefined;
    for (let page = 0; page < (this.o.maxPages ?? 5); page++) {
      const out = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: r.nativeId }],
          StartTime: w.start,
          EndTime: w.end,
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      // Newest first: the first successful write of the resource's own service made the version.
      for (const e of out.Events ?? []) {
        if (e.ReadOnly === 'true' || (e.EventSource && e.EventSource !== source)) continue;
        const record = parse(e.CloudTrailEvent);
        if (!record || record.errorCode || record.readOnly === true) continue;
        return actorFromCloudTrail(
          { ...record, eventName: record.eventName ?? e.EventName ?? 'Unknown' },
          {
            fallbackTime: (e.EventTime ?? w.end).toISOString(),
            executorRoles: this.o.executorRoles ?? new Set(),
            via: 'sweep',
          },
        );
      }
      token = out.NextToken;
      if (!token) break;
    }
    return undefined;
  }

  async destroy(): Promise<void> {
    for (const c of this.clients.values()) (await c.catch(() => undefined))?.destroy();
    this.clients.clear();
  }
}

function parse(
  text: string | undefined,
): (Partial<CloudTrailCall> & { errorCode?: string; readOnly?: boolean }) | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Partial<CloudTrailCall>) : undefined;
  } catch {
    return undefined;
  }
}
