export { actorMatches, actorsByRevision } from './actors.js';
export { COMPACT_SUBJECT, type CompactReply, checkRetain, requestCompaction, serveCompaction } from './compaction.js';
export { type Cursor, decodeCursor, encodeCursor } from './cursor.js';
export { QUERY_SUBJECT, type QueryAnswer, QueryClient, serveQueries } from './nats.js';
export { PageBuilder } from './page.js';
export * from './params.js';
export { DEFAULT_BUDGET, StoreReader } from './reader.js';
