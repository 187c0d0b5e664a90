import type { QueryClient } from '@elava/query';
import type { PublishedChange } from '@elava/types';

const PAGE = 1_000;
/** A resource with more versions than this is read no further (its newest is then not known). */
const MAX_PAGES = 100;

interface HistoryPage {
  items: { revision: { main: number }; tombstone: boolean }[];
  next_cursor: string | null;
}

/**
 * Whether the store still shows the resource gone by this very disappearance: its newest version
 * is the tombstone written at the change's revision. Asked of the recorder, the truth, rather than
 * inferred from timers (which a detector backlog or restart would get wrong).
 */
export async function stillGone(query: QueryClient, change: PublishedChange): Promise<boolean> {
  let cursor: string | null = null;
  let newest: HistoryPage['items'][number] | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: HistoryPage = await query.get('history', {
      id: change.resource_id,
      limit: String(PAGE),
      ...(cursor ? { cursor } : {}),
    });
    newest = page.items.at(-1) ?? newest;
    cursor = page.next_cursor;
    if (!cursor) return newest?.tombstone === true && newest.revision.main === change.revision;
  }
  throw new Error(`${change.resource_id} has more than ${PAGE * MAX_PAGES} versions: its newest is not known`);
}
