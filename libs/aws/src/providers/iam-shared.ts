import {
  TagInstanceProfileCommand,
  TagPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagInstanceProfileCommand,
  UntagPolicyCommand,
  UntagRoleCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import { byKey, compact, MalformedResponseError, required, sorted } from '../normalize.js';
import { isNotFound, type TagWrites } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

/** One statement with a stable shape: every list an array, sorted; principals as type → ids. */
export interface PolicyStatement {
  sid?: string;
  effect: string;
  action?: string[];
  not_action?: string[];
  resource?: string[];
  not_resource?: string[];
  principal?: Record<string, string[]>;
  not_principal?: Record<string, string[]>;
  /** operator → condition key → values (as strings: IAM compares `true` and `"true"` alike). */
  condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  version?: string;
  id?: string;
  statements: PolicyStatement[];
}

/** An inline policy of a user, role or group. */
export interface InlinePolicy {
  name: string;
  document: PolicyDocument;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const strings = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : sorted((Array.isArray(v) ? v : [v]).map((x) => String(x)));

/** Keys in sorted order, so that equal content always encodes alike. */
function sortedMap<T>(o: Json, value: (v: unknown) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = value(o[k]);
  return out;
}

/** `"*"` means every principal; AWS documents it as the same as `{"AWS": "*"}`, so it reads as that. */
function principals(v: unknown): Record<string, string[]> | undefined {
  if (v === undefined) return undefined;
  if (v === '*') return { AWS: ['*'] };
  if (!isObject(v)) throw new MalformedResponseError('policy statement Principal (an object or "*")');
  return sortedMap(v, (ids) => strings(ids) ?? []);
}

function conditions(v: unknown): PolicyStatement['condition'] {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw new MalformedResponseError('policy statement Condition (an object)');
  return sortedMap(v, (keys) => (isObject(keys) ? sortedMap(keys, (vals) => strings(vals) ?? []) : {}));
}

function statement(s: unknown): PolicyStatement {
  if (!isObject(s)) throw new MalformedResponseError('policy Statement (an object)');
  if (typeof s.Effect !== 'string') throw new MalformedResponseError('policy statement Effect');
  return compact({
    sid: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : undefined,
    effect: s.Effect,
    action: strings(s.Action),
    not_action: strings(s.NotAction),
    resource: strings(s.Resource),
    not_resource: strings(s.NotResource),
    principal: principals(s.Principal),
    not_principal: principals(s.NotPrincipal),
    condition: conditions(s.Condition),
  });
}

/**
 * A policy document (IAM answers with it URL-encoded) parsed into a stable shape: statements
 * always a list, sorted by Sid and then by content, every value list sorted. Statements are keyed
 * by `sid` in diffs where they have one; the others are identified by their whole content.
 */
export function normalizePolicyDocument(doc: string | object): PolicyDocument {
  let parsed: unknown = doc;
  if (typeof doc === 'string') {
    const text = doc.trim().startsWith('{') ? doc : decodeURIComponent(doc);
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new MalformedResponseError('policy document (valid JSON)');
    }
  }
  if (!isObject(parsed)) throw new MalformedResponseError('policy document (a JSON object)');
  const raw = parsed.Statement;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const statements = list.map(statement);
  return compact({
    version: typeof parsed.Version === 'string' ? parsed.Version : undefined,
    id: typeof parsed.Id === 'string' ? parsed.Id : undefined,
    statements: byKey(statements, (s) => `${s.sid ?? ''}\u0000${JSON.stringify(s)}`),
  });
}

/** Every item of every page. */
export async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/** `fn` over `items`, at most `limit` at a time, results in order: IAM's rate limits are account-wide. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** How many entities of one page are read at once. */
export const ENTITY_CONCURRENCY = 4;

/**
 * One entity read by name, or undefined when it does not exist (asked for by id, or deleted
 * between the listing and the read).
 */
export async function orAbsent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The entities of one page (or of the ids asked for), each read in full; the absent ones left out. */
export async function readAll<R>(names: readonly string[], read: (name: string) => Promise<R>): Promise<R[]> {
  const rs = await mapLimit(names, ENTITY_CONCURRENCY, (n) => orAbsent(() => read(n)));
  return rs.filter((r): r is R => r !== undefined);
}

/** Inline policies by name, each document normalised. */
export async function inlinePolicies(
  names: (string | undefined)[],
  document: (name: string) => Promise<string | undefined>,
): Promise<InlinePolicy[]> {
  return mapLimit(sorted(names), ENTITY_CONCURRENCY, async (name) => ({
    name,
    document: normalizePolicyDocument(required(await document(name), `inline policy ${name} PolicyDocument`)),
  }));
}

export const INLINE_POLICY_LIST_KEYS = {
  'attributes.inline_policies': 'name',
  'attributes.inline_policies[].document.statements': 'sid',
} as const;

/** IAM's Tag<Entity>/Untag<Entity> pairs: users, roles and instance profiles by name, policies by ARN. */
export const IAM_TAG_WRITES = {
  user: tagResourceWrites(
    'iam',
    { tag: ['TagUser', TagUserCommand], untag: ['UntagUser', UntagUserCommand] },
    { arn: 'UserName', tags: 'Tags', keys: 'TagKeys' },
    'list',
    'nativeId',
  ),
  role: tagResourceWrites(
    'iam',
    { tag: ['TagRole', TagRoleCommand], untag: ['UntagRole', UntagRoleCommand] },
    { arn: 'RoleName', tags: 'Tags', keys: 'TagKeys' },
    'list',
    'nativeId',
  ),
  instanceProfile: tagResourceWrites(
    'iam',
    {
      tag: ['TagInstanceProfile', TagInstanceProfileCommand],
      untag: ['UntagInstanceProfile', UntagInstanceProfileCommand],
    },
    { arn: 'InstanceProfileName', tags: 'Tags', keys: 'TagKeys' },
    'list',
    'nativeId',
  ),
  policy: tagResourceWrites(
    'iam',
    { tag: ['TagPolicy', TagPolicyCommand], untag: ['UntagPolicy', UntagPolicyCommand] },
    { arn: 'PolicyArn', tags: 'Tags', keys: 'TagKeys' },
    'list',
  ),
} satisfies Record<string, TagWrites>;
