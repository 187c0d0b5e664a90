/**
 * Every key, job id and message id derived from a store's state names the store (its identity,
 * 12 hex digits, kept in the store's directory). A new store counts revisions from 1 again: without
 * its identity, `rev-1` of the new store would be taken for `rev-1` of the old one by BullMQ (which
 * drops a job id it kept) and by JetStream (which drops a message id inside its duplicate window).
 * BullMQ forbids ':' in job ids, so these keys use '-' and '.'.
 */
export const STORE_ID = /^[0-9a-f]{12}$/;

export function isStoreId(s: string): boolean {
  return STORE_ID.test(s);
}

export const storeKeys = {
  /** The recorder's hand-over of one revision's deltas to the detector. */
  revision: (store: string, revision: number) => `${store}.rev-${revision}`,
  /** The detector's `changes_detected` entry for one revision. */
  changesDetected: (store: string, revision: number) => `changes-${store}.rev-${revision}`,
  /** The whole-scope evaluation after the clean scan whose final page this was. */
  scopeEvaluation: (store: string, pageId: string) => `scope-${store}.${pageId}`,
} as const;
