import type { Resource, ResourceType, ScopeFilter, Tags } from '@elava/types';
import type { ClientSet, ServiceName } from './clients.js';

export interface ScanContext {
  account: string;
  /** The scope's region; `global` for a type read once per account (IAM, CloudFront, Route 53). */
  region: string;
  clients: ClientSet;
  /** Items per API page, where the API takes one. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** One AWS API request exactly as it would be sent: recorded in dry-run, sent in enforce. */
export interface ApiCall {
  service: ServiceName;
  operation: string;
  input: Record<string, unknown>;
}

/** What a tag write needs to know of its resource: read just before writing, never the recorded copy. */
export interface TagTarget {
  nativeId: string;
  /** `attributes.arn` of the resource as read now. */
  arn: string;
  /** The tags as read now: APIs that replace the whole set (S3) need them. */
  tags: Tags;
  /** The attributes as read now, for tag settings kept beside the tags (an Auto Scaling group's PropagateAtLaunch). */
  attributes?: Readonly<Record<string, unknown>>;
}

/**
 * How a type's tags are written. `calls` returns the requests that set `set` and remove `remove`
 * (values given so that APIs which can make the removal conditional do); `commands` names the SDK
 * command class of each operation, so the executor can send what the plan recorded.
 */
export type TagWrites =
  | {
      writable: true;
      // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
      commands: Readonly<Record<string, new (input: any) => any>>;
      calls(target: TagTarget, set: Tags, remove: Tags): ApiCall[];
    }
  | { writable: false; why: string };

/** Termination or deletion protection, for types that have it. */
export interface Protection<T extends ResourceType = ResourceType> {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  commands: Readonly<Record<string, new (input: any) => any>>;
  /** Operations `isOn` calls beyond the reader's own (the executor's policy grants them). */
  reads?: readonly string[];
  /** Whether the resource as read now has it on. */
  isOn(ctx: ScanContext, resource: Resource<T>): Promise<boolean>;
  call(target: TagTarget): ApiCall;
  /** What the decision's note says once it is on: "termination protection on". */
  note: string;
}

/**
 * One resource type's reader, and everything else that is particular to the type: its names, the
 * calls it may make, how its lists are diffed and how its tags are written. The IAM policies, the
 * OpenAPI enum and the list of types are generated from these (`npm run generate`).
 */
export interface Provider<T extends ResourceType = ResourceType> {
  type: T;
  /** The IAM service prefix, which is also the client the reader uses. */
  service: ServiceName;
  /** The CloudFormation (and AWS Config) type name: `AWS::EC2::Instance`. */
  cfnType: string;
  /** Read once per account under the region `global`, not once per region. */
  global?: boolean;
  /** Every AWS operation this reader may call: the IAM policy and the read-only test use it. */
  operations: readonly string[];
  /** True when a tag filter can be applied by the API itself (EC2 `tag:` filters). */
  serverSideTagFilter: boolean;
  /**
   * Lists diffed by a field of their elements rather than by whole content: the list's path in
   * the resource (`attributes.rules`, `attributes.listeners[].rules` for a nested one) to the field.
   */
  listKeys?: Readonly<Record<string, string>>;
  /** Fields left out of a diff, already left out of the record by the reader; documented here. */
  tagWrites: TagWrites;
  protection?: Protection<T>;
  /**
   * The resources page by page, as the API pages; throws on any failed call, so a partial view is
   * never mistaken for the whole. With `ids`, only those native ids (the executor's read before a
   * write, an event's re-read): an id that does not exist is simply absent, never an error.
   */
  pages(ctx: ScanContext, filter?: ScopeFilter, ids?: readonly string[]): AsyncGenerator<Resource<T>[]>;
}

/** EC2 `tag:<key>` filters for a scope's tag filter. */
export function ec2TagFilters(filter?: ScopeFilter): { Name: string; Values: string[] }[] | undefined {
  if (!filter?.tags) return undefined;
  return Object.entries(filter.tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: Array.isArray(v) ? v : [v] }));
}

/** EC2 filters: the scope's tags, and the ids asked for under the type's `<kind>-id` filter. */
export function ec2Filters(
  filter: ScopeFilter | undefined,
  idFilter: string,
  ids: readonly string[] | undefined,
): { Name: string; Values: string[] }[] | undefined {
  const out = [...(ec2TagFilters(filter) ?? []), ...(ids ? [{ Name: idFilter, Values: [...ids] }] : [])];
  return out.length > 0 ? out : undefined;
}

/**
 * The one resource with this native id as AWS has it now, or undefined when it does not exist.
 * Readers whose API cannot ask by id read everything and keep the one; checked here either way.
 */
export async function readOne<T extends ResourceType>(
  p: Provider<T>,
  ctx: ScanContext,
  nativeId: string,
): Promise<Resource<T> | undefined> {
  try {
    for await (const page of p.pages(ctx, undefined, [nativeId])) {
      const hit = page.find((r) => r.native_id === nativeId);
      if (hit) return hit;
    }
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return undefined;
}

/** `arn:aws:<service>:<region>:<account>:<resource>` for APIs that do not answer with one. */
export function arnOf(ctx: Pick<ScanContext, 'account' | 'region'>, service: string, resource: string): string {
  const region = ctx.region === 'global' ? '' : ctx.region;
  return `arn:aws:${service}:${region}:${ctx.account}:${resource}`;
}

/** The usual AWS "no such thing" errors, across services. */
export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return /NotFound|NoSuch|DoesNotExist|NonExistent|\.Malformed$/.test(name);
}
