import type { Delta, PublishedChange } from '@elava/types';

/**
 * The change as JSON text for NATS, its documents as the recorder recorded them spliced in rather
 * than parsed and stringified again (a tenth of the detector's CPU on a first scan). The same
 * JSON value as `JSON.stringify(change)`, fields in another order; the documents keep the
 * recorded canonical key order, where stringify would put integer-like tag keys first.
 */
export function changeJson(change: PublishedChange, delta: Delta): string {
  const { previous, current, ...rest } = change;
  const head = JSON.stringify(rest);
  const doc = (value: unknown, recorded: string | undefined): string =>
    value !== null && value !== undefined && recorded !== undefined ? recorded : JSON.stringify(value ?? null);
  return `${head.slice(0, -1)},"previous":${doc(previous, delta.previous_json)},"current":${doc(current, delta.current_json)}}`;
}
