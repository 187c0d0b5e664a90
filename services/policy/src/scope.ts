import type { QueryClient } from '@elava/query';
import type { AnyResource, ScopeRequest } from '@elava/types';

const PAGE = 1_000;

/** Pages through a scope's live resources at one revision, asking the recorder over NATS. */
export async function* scopeResources(
  query: QueryClient,
  scope: ScopeRequest['scope'],
  revision: number,
): AsyncGenerator<AnyResource[]> {
  let cursor: string | null = null;
  do {
    const page: { items: { resource?: AnyResource }[]; next_cursor: string | null } = await query.get('resources', {
      at: String(revision),
      account: scope.account,
      region: scope.region,
      type: scope.type,
      limit: String(PAGE),
      ...(cursor ? { cursor } : {}),
    });
    const resources = page.items.flatMap((v) => (v.resource ? [v.resource] : []));
    if (resources.length > 0) yield resources;
    cursor = page.next_cursor;
  } while (cursor);
}
