import { useQueryState } from '../hooks';

/**
 * Server-side pages: the cursor the API returned goes into the address (it pins the revision, so
 * a shared page shows what the sender saw); the browser's Back goes to the page before.
 */
export function Pager({ next, count }: { next: string | null | undefined; count: number }) {
  const [query, set] = useQueryState();
  return (
    <nav class="pager" aria-label="pages">
      {query.cursor ? (
        <button type="button" onClick={() => set({ cursor: null })}>
          ⇤ first page
        </button>
      ) : null}
      <span class="muted">
        {count} on this page{next ? '' : query.cursor ? ' (the last)' : ''}
      </span>
      {next ? (
        <button type="button" class="next" onClick={() => set({ cursor: next })}>
          next page →
        </button>
      ) : null}
    </nav>
  );
}
