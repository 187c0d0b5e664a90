/**
 * Many requests in flight at once (JetStream acks and Redis replies pipeline), a bounded number:
 * a first scan hands over thousands of changes, and one await each would serialise the round trips.
 */
export async function inChunks<T>(items: readonly T[], fn: (item: T) => Promise<unknown>, size = 256): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
