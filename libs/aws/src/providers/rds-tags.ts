import { ListTagsForResourceCommand, type Tag } from '@aws-sdk/client-rds';
import { tagsOf } from '../normalize.js';
import type { ScanContext } from '../provider.js';

/** RDS answers carry TagList; an older API or emulator that leaves it out is asked per resource. */
export async function rdsTags(
  ctx: ScanContext,
  arn: string | undefined,
  list: Tag[] | undefined,
): Promise<Record<string, string>> {
  if (list !== undefined || !arn) return tagsOf(list);
  const res = await ctx.clients.rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  return tagsOf(res.TagList);
}
