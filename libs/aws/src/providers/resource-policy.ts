import { MalformedResponseError } from '../normalize.js';
import { mapLimit, normalizePolicyDocument, type PolicyDocument } from './iam-shared.js';

export type { PolicyDocument, PolicyStatement } from './iam-shared.js';

/**
 * A resource policy (SQS, SNS, KMS, ECR, Lambda) in the same stable shape as IAM's documents:
 * `"*"` principals read as `{AWS: ["*"]}`, every list sorted. No text at all means no policy.
 */
export function resourcePolicy(text: string | undefined | null): PolicyDocument | undefined {
  if (text === undefined || text === null || text.trim() === '') return undefined;
  return normalizePolicyDocument(text);
}

/** Statements are matched by Sid in diffs; a statement without one by its whole content. */
export const POLICY_LIST_KEYS = { 'attributes.policy.statements': 'sid' } as const;

/**
 * A read whose "not configured" answer is an error (no URL, no policy): those error names, and
 * only those, mean none. Anything else fails the scan rather than reading as "none".
 */
export async function orNone<T>(call: () => Promise<T>, names: readonly string[]): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (names.includes((err as Error).name)) return undefined;
    throw err;
  }
}

/** How many resources of one page are read at once: each costs a few calls. */
const CONCURRENCY = 4;

/** `read` over one page's items, in order, a few at a time; undefined results (gone since listed) dropped. */
export async function readEach<T, R>(items: readonly T[], read: (item: T) => Promise<R | undefined>): Promise<R[]> {
  const out = await mapLimit(items, CONCURRENCY, read);
  return out.filter((r): r is Awaited<R> => r !== undefined) as R[];
}

/** An attribute that holds a JSON document (a redrive or delivery policy); empty means none. */
export function parseJson(text: string | undefined, what: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new MalformedResponseError(`${what} (valid JSON)`);
  }
}
