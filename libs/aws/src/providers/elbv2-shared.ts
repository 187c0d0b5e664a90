import { AddTagsCommand, DescribeTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Tags } from '@elava/types';
import { MalformedResponseError, tagsOf } from '../normalize.js';
import { type ApiCall, arnOf, isNotFound, type ScanContext, type TagWrites } from '../provider.js';
import { tagList } from '../tag-writes.js';

/**
 * ELBv2's SDK paginators know no page size of their own (the model names none): readers put
 * `PageSize` in the input instead.
 */

/** DescribeTags takes at most 20 ARNs a call. */
const TAG_BATCH = 20;

/**
 * The three ELBv2 kinds name themselves by ARN, whose resource part is `<kind>/<rest>`. The native
 * id is `<rest>` (`app/web/50dc6c495c0c9188`, `web-tg/73e2d6bc24d8a067`,
 * `app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`): unique in the region (it carries AWS's own random
 * suffix, so a re-created namesake is a new resource), stable, much shorter than the ARN, and the
 * ARN is rebuilt from it exactly.
 */
export type Elbv2Kind = 'loadbalancer' | 'targetgroup' | 'listener';

export function elbv2NativeId(arn: string, kind: Elbv2Kind): string {
  const at = arn.indexOf(`:${kind}/`);
  if (at < 0) throw new MalformedResponseError(`the ${kind} part of ELBv2 ARN ${arn}`);
  return arn.slice(at + kind.length + 2);
}

export const elbv2Arn = (ctx: Pick<ScanContext, 'account' | 'region'>, kind: Elbv2Kind, nativeId: string) =>
  arnOf(ctx, 'elasticloadbalancing', `${kind}/${nativeId}`);

/**
 * The tags of each ARN, 20 a call. An ARN deleted since it was listed makes the whole batch fail
 * with a not-found error: the batch is then read one ARN at a time, and a gone ARN is simply absent
 * from the answer (its resource is gone too, and the caller leaves it out).
 */
export async function elbv2Tags(ctx: ScanContext, arns: readonly string[]): Promise<Map<string, Tags>> {
  const out = new Map<string, Tags>();
  const client = ctx.clients.client('elasticloadbalancing');
  const read = async (batch: string[]) => {
    const res = await client.send(new DescribeTagsCommand({ ResourceArns: batch }));
    for (const d of res.TagDescriptions ?? []) if (d.ResourceArn) out.set(d.ResourceArn, tagsOf(d.Tags));
  };
  for (let i = 0; i < arns.length; i += TAG_BATCH) {
    const batch = arns.slice(i, i + TAG_BATCH);
    try {
      await read(batch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      for (const arn of batch) {
        try {
          await read([arn]);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
  }
  return out;
}

/**
 * Reads `ids` one at a time through `one` (a by-ARN Describe call, which fails as a whole on any
 * unknown ARN), so that an id that does not exist is absent rather than an error.
 */
export async function byIds<T>(ids: readonly string[], one: (id: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const id of ids) out.push(...((await unlessGone(one(id))) ?? []));
  return out;
}

/** Every ELBv2 kind: tagged by ARN, several at once. */
export const ELBV2_TAG_WRITES: TagWrites = {
  writable: true,
  commands: { AddTags: AddTagsCommand, RemoveTags: RemoveTagsCommand },
  calls(t, set, remove) {
    const calls: ApiCall[] = [];
    if (Object.keys(set).length)
      calls.push({
        service: 'elasticloadbalancing',
        operation: 'AddTags',
        input: { ResourceArns: [t.arn], Tags: tagList(set) },
      });
    if (Object.keys(remove).length)
      calls.push({
        service: 'elasticloadbalancing',
        operation: 'RemoveTags',
        input: { ResourceArns: [t.arn], TagKeys: Object.keys(remove) },
      });
    return calls;
  },
};

/** A per-resource read, or undefined when the resource was deleted since it was listed. */
export async function unlessGone<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
