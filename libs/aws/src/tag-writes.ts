import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { AddTagsToResourceCommand, RemoveTagsFromResourceCommand } from '@aws-sdk/client-rds';
import type { ApiCall, TagWrites } from './provider.js';

/** Tags as `[{Key, Value}]`, the shape most APIs take. */
export const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Every EC2 type: tagged by id. */
export const EC2_TAG_WRITES: TagWrites = {
  writable: true,
  commands: { CreateTags: CreateTagsCommand, DeleteTags: DeleteTagsCommand },
  calls(t, set, remove) {
    const calls: ApiCall[] = [];
    if (Object.keys(set).length)
      calls.push({ service: 'ec2', operation: 'CreateTags', input: { Resources: [t.nativeId], Tags: tagList(set) } });
    // With the value given, EC2 deletes the tag only if it still has that value.
    if (Object.keys(remove).length)
      calls.push({
        service: 'ec2',
        operation: 'DeleteTags',
        input: { Resources: [t.nativeId], Tags: tagList(remove) },
      });
    return calls;
  },
};

/** Every RDS type: tagged by ARN. */
export const RDS_TAG_WRITES: TagWrites = {
  writable: true,
  commands: { AddTagsToResource: AddTagsToResourceCommand, RemoveTagsFromResource: RemoveTagsFromResourceCommand },
  calls(t, set, remove) {
    const calls: ApiCall[] = [];
    if (Object.keys(set).length)
      calls.push({
        service: 'rds',
        operation: 'AddTagsToResource',
        input: { ResourceName: t.arn, Tags: tagList(set) },
      });
    if (Object.keys(remove).length)
      calls.push({
        service: 'rds',
        operation: 'RemoveTagsFromResource',
        input: { ResourceName: t.arn, TagKeys: Object.keys(remove) },
      });
    return calls;
  },
};

/**
 * The usual pair, `TagResource` / `UntagResource` on an ARN, in each service's own field names:
 * `tags` says how the set is shaped (a list of Key/Value or a map).
 */
export function tagResourceWrites(
  service: ApiCall['service'],
  // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
  commands: { tag: [string, new (input: any) => any]; untag: [string, new (input: any) => any] },
  fields: { arn: string; tags: string; keys: string },
  shape: 'list' | 'map' | ((tags: Record<string, string>) => unknown),
  target: 'arn' | 'nativeId' = 'arn',
): TagWrites {
  const body = (tags: Record<string, string>) =>
    shape === 'list' ? tagList(tags) : shape === 'map' ? { ...tags } : shape(tags);
  return {
    writable: true,
    commands: { [commands.tag[0]]: commands.tag[1], [commands.untag[0]]: commands.untag[1] },
    calls(t, set, remove) {
      const ref = target === 'arn' ? t.arn : t.nativeId;
      const calls: ApiCall[] = [];
      if (Object.keys(set).length)
        calls.push({ service, operation: commands.tag[0], input: { [fields.arn]: ref, [fields.tags]: body(set) } });
      if (Object.keys(remove).length)
        calls.push({
          service,
          operation: commands.untag[0],
          input: { [fields.arn]: ref, [fields.keys]: Object.keys(remove) },
        });
      return calls;
    },
  };
}
