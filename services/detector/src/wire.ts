import type { Change, Delta, PublishedChange } from '@elava/types';

/**
 * The change as JSON text for NATS, its documents as the recorder recorded them spliced in rather
 * than parsed and stringified again (a tenth of the detector's CPU on a first scan). The same
 * JSON value as `JSON.stringify(change)`, fields in another order; the documents keep the
 * recorded canonical key order, where stringify would put integer-like tag keys first.
 */
export function changeJson(
  change: PublishedChange,
  delta: Delta,
  own: Omit<PublishedChange, 'previous' | 'current'> = withoutDocuments(change),
): string {
  const head = JSON.stringify(own);
  // The recorded text when there is one: `change.current` may be a document not parsed yet (lazyCurrent).
  const doc = (key: 'previous' | 'current', recorded: string | undefined): string =>
    recorded ?? JSON.stringify(change[key] ?? null);
  return `${head.slice(0, -1)},"previous":${doc('previous', delta.previous_json)},"current":${doc('current', delta.current_json)}}`;
}

/** The change but its two documents, which are not read (nor parsed, if lazy). */
export function withoutDocuments<C extends Change>(change: C): Omit<C, 'previous' | 'current'> {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(change)) if (k !== 'previous' && k !== 'current') rest[k] = change[k as keyof C];
  return rest as Omit<C, 'previous' | 'current'>;
}

/**
 * The change with its current document as a property parsed on first read. A first scan's
 * appearance is judged by its tags (which the delta carries), published as the recorded text and
 * summarized for the trail without its documents: parsing each one was a sixth of the detector's
 * work. The accessor is part of the literal: defining it on the finished object cost as much again.
 */
export function lazyCurrent(
  own: Omit<PublishedChange, 'previous' | 'current'>,
  previous: PublishedChange['previous'],
  json: string,
): PublishedChange {
  let doc: PublishedChange['current'] | undefined;
  return {
    ...own,
    previous,
    get current() {
      doc ??= JSON.parse(json) as PublishedChange['current'];
      return doc;
    },
    set current(v: PublishedChange['current']) {
      doc = v;
    },
  };
}
